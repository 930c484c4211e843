scenario "orders-restore-sized" {
  objective {
    rto = "1h"
  }

  steady_state {
    check "primary-up" {
      tcp { address = "127.0.0.1:5432" }
    }
    measure "database_size" {
      sql {
        driver = "postgres"
        dsn    = "postgres://postgres@127.0.0.1:5432/postgres"
        query  = "SELECT pg_database_size('postgres') AS bytes"
      }
      value = result.rows[0].bytes
      unit  = "bytes"
    }
  }

  setup {
    step "dump" {
      command { run = ["pg_dump", "-Fc", "-f", "/tmp/orders.dump", "postgres"] }
    }
    measure "dump_size" {
      file {
        path = "/tmp/orders.dump"
      }
      value = result.size
      unit  = "bytes"
    }
  }

  recover {
    step "restore" {
      command { run = ["pg_restore", "--clean", "-d", "postgres", "/tmp/orders.dump"] }
    }
  }

  data_loss {
    sql {
      driver = "postgres"
      dsn    = "postgres://postgres@127.0.0.1:5432/postgres"
      query  = "SELECT now() AS newest"
    }
    newest_record = result.rows[0].newest

    measure "rows_restored" {
      sql {
        driver = "postgres"
        dsn    = "postgres://postgres@127.0.0.1:5432/postgres"
        query  = "SELECT count(*) AS n FROM pg_class"
      }
      value = result.rows[0].n
      unit  = "rows"
    }
  }
}
