# The incident redrill was made for: a database server restarted in the
# middle of a large operation, while clients were writing. This drill
# starts the large operation in the background and a workload of client
# writes, terminates every backend of the database mid-operation (what the
# restart does to its sessions), redoes the operation, and then checks that
# every write the server acknowledged is still there.
#
#   redrill run scenarios/examples/restart-mid-operation.hcl
#   redrill run scenarios/examples/restart-mid-operation.hcl \
#     --var postgres_server=postgres://drill@db.internal:5432 --var rows=50000000
#
# It creates its own database (var.database) and drops it in rollback;
# the server's other databases are not touched.

variable "postgres_server" {
  description = "PostgreSQL server URL without a database: postgres://user:password@host:port"
  default     = "postgres://postgres@127.0.0.1:5432"
  sensitive   = true
}

variable "database" {
  description = "Scratch database the drill creates, disrupts and drops."
  default     = "redrill_mid_operation"
}

variable "rows" {
  description = "Rows the large operation inserts: about 2.5 s a million on a small server."
  type        = number
  default     = 3000000
}

variable "warmup" {
  description = "How long clients write before the disruption."
  default     = "2s"
}

locals {
  maintenance_dsn = "${var.postgres_server}/postgres?sslmode=disable"
  operation_dsn   = "${var.postgres_server}/${var.database}?sslmode=disable&application_name=redrill-large-operation"
  client_dsn      = "${var.postgres_server}/${var.database}?sslmode=disable&application_name=redrill-client"
  operation       = "INSERT INTO big SELECT g, md5(g::text) FROM generate_series(1, ${var.rows}) AS g"
}

scenario "restart-mid-operation" {
  description = "Terminate the database's sessions in the middle of a large operation under client writes; redo the operation and count what clients lost."
  owner       = "db-team"
  tags        = ["postgres", "under-load"]
  timeout     = "30m"

  postmortem {
    title   = "Database server restarted during a large operation; database corrupted"
    finding = "Nobody knew what the clients lost, or how long redoing the operation takes on the new hardware."
  }

  objective {
    rto         = "10m"
    rpo         = "1s"
    downtime    = "30s"
    lost_writes = 0
  }

  steady_state {
    check "server-up" {
      sql {
        dsn   = local.maintenance_dsn
        query = "SELECT 1"
      }
    }
  }

  setup {
    step "drop-leftover" {
      sql {
        dsn   = local.maintenance_dsn
        query = "DROP DATABASE IF EXISTS ${var.database} WITH (FORCE)"
      }
    }
    step "create-database" {
      sql {
        dsn   = local.maintenance_dsn
        query = "CREATE DATABASE ${var.database}"
      }
    }
    step "create-tables" {
      sql {
        dsn   = local.client_dsn
        query = "CREATE TABLE drill_writes (seq bigint PRIMARY KEY, at timestamptz NOT NULL); CREATE TABLE big (id bigint NOT NULL, payload text NOT NULL)"
      }
    }
    step "large-operation" {
      background = true
      sql {
        dsn   = local.operation_dsn
        query = local.operation
      }
    }
    step "operation-running" {
      retries     = 100
      retry_every = "100ms"
      sql {
        dsn   = local.maintenance_dsn
        query = "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'redrill-large-operation' AND state = 'active'"
      }
      assert {
        condition     = result.value > 0
        error_message = "the large operation did not start"
      }
    }
  }

  workload "client-writes" {
    rate        = 100
    concurrency = 4
    timeout     = "2s"
    warmup      = var.warmup
    sql {
      dsn   = local.client_dsn
      query = "INSERT INTO drill_writes (seq, at) VALUES ($1, $2)"
      args  = [workload.seq, workload.at]
    }
    verify {
      # Islands of consecutive sequence numbers: a few rows however many
      # writes survived.
      survivors = [for row in result.rows : [row.first, row.last]]
      sql {
        dsn   = local.client_dsn
        query = "SELECT min(seq) AS first, max(seq) AS last FROM (SELECT seq, seq - row_number() OVER (ORDER BY seq) AS island FROM drill_writes) AS s GROUP BY island ORDER BY first"
      }
    }
  }

  disrupt {
    step "terminate-sessions" {
      sql {
        dsn   = local.maintenance_dsn
        query = "SELECT count(*) FILTER (WHERE application_name = 'redrill-large-operation') AS operation, count(*) AS sessions FROM (SELECT application_name, pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '${var.database}' AND pid <> pg_backend_pid()) AS t"
      }
      assert {
        condition     = result.value > 0
        error_message = "the large operation had already ended: raise rows or lower warmup"
      }
    }
  }

  recover {
    step "redo-operation" {
      after = ["large-operation"]
      sql {
        dsn   = local.operation_dsn
        query = "TRUNCATE big; ${local.operation}"
      }
      assert {
        condition     = steps.large-operation.error != ""
        error_message = "the large operation was not interrupted"
      }
    }
  }

  recovered_when {
    timeout = "10m"
    check "operation-complete" {
      sql {
        dsn   = local.client_dsn
        query = "SELECT count(*) FROM big"
      }
      assert {
        condition     = result.value == var.rows
        error_message = "the table does not hold every row of the operation"
      }
    }
  }

  rollback {
    step "drop-database" {
      sql {
        dsn   = local.maintenance_dsn
        query = "DROP DATABASE IF EXISTS ${var.database} WITH (FORCE)"
      }
    }
  }
}
