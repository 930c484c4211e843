variable "dump"{
default="/var/backups/latest.dump"
    description   =  "newest dump"
}

scenario "orders-db-restore"   {
  description="Restore the largest database"
  tags=["postgres","tier-1"]
objective {
    rto="30m"
        rpo = "24h"
  }
  recover {
    step "restore" {
      command {
        run = ["pg_restore","--jobs=2",var.dump]
            timeout="90m"
      }
      assert { condition = result.exit_code==0 }
    }
  }
  # the clock stops here
  recovered_when {
      every="1s"
      timeout = "1h"
    check "orders" {
      sql {
        dsn = "postgres://127.0.0.1/orders"
        query = <<-SQL
          SELECT count(*)
          FROM orders
        SQL
      }
    }
  }
  data_loss {
    sql {
      dsn="postgres://127.0.0.1/orders"
      query="SELECT max(created_at) FROM orders"
    }
    newest_record=result.value
  }
}
