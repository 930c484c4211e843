variable "dsn" {
  default   = "postgres://drill:s3cr3t@127.0.0.1:5432/orders?sslmode=disable"
  sensitive = true
}

scenario "restart-mid-operation" {
  description = "Terminate a large operation and its clients mid-way; count what clients lost."
  timeout     = "10m"
  objective {
    rto         = "2m"
    rpo         = "1s"
    downtime    = "30s"
    lost_writes = 0
  }
  steady_state {
    check "db-up" {
      sql {
        dsn   = var.dsn
        query = "SELECT 1"
      }
    }
  }
  setup {
    step "bulk-load" {
      background = true
      command { run = ["psql", "-c", "INSERT INTO big SELECT generate_series(1, 50000000)"] }
    }
    step "load-started" {
      retries = 20
      sql {
        dsn   = var.dsn
        query = "SELECT count(*) FROM pg_stat_activity WHERE query LIKE 'INSERT INTO big%'"
      }
      assert { condition = result.value > 0 }
    }
  }
  disrupt {
    step "terminate" {
      sql {
        dsn   = var.dsn
        query = "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = 'orders' AND pid <> pg_backend_pid()"
      }
    }
  }
  recover {
    step "reload" {
      after = ["bulk-load"]
      command { run = ["psql", "-c", "INSERT INTO big SELECT generate_series(1, 50000000)"] }
      assert { condition = steps.bulk-load.exit_code != 0 }
    }
  }
  workload "writer" {
    rate        = 200
    concurrency = 4
    timeout     = "2s"
    warmup      = "2s"
    sql {
      dsn   = var.dsn
      query = "INSERT INTO drill_writes (seq, at) VALUES ($1, $2)"
      args  = [workload.seq, workload.at]
    }
    verify {
      survivors = [for row in result.rows : [row.first, row.last]]
      sql {
        dsn   = var.dsn
        query = "SELECT min(seq) AS first, max(seq) AS last FROM (SELECT seq, seq - row_number() OVER (ORDER BY seq) AS island FROM drill_writes) s GROUP BY island ORDER BY first"
      }
    }
  }
  rollback {
    step "drop" {
      sql {
        dsn   = var.dsn
        query = "DROP TABLE IF EXISTS big, drill_writes"
      }
    }
  }
}
