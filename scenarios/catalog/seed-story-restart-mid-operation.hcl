# redrill's seed story. A COMPOSITE, not one published postmortem: no
# public postmortem of exactly this shape was found to cite, so it is
# labelled as the story redrill was started from, and it is not counted
# among the catalog's cited incidents.
#
# The story: a database server was restarted in the middle of a large
# operation while clients were writing; the database the operation ran in
# was left corrupted, and the way back was a restore of the largest
# database from its newest backup, on new hardware where nobody had ever
# timed that restore.
#
# The drill, on one PostgreSQL server and two databases of its own: the
# clients write to one (a workload, with every acknowledged write checked
# afterwards), the large operation runs in the background in the other,
# the "largest" one, whose backup is taken in setup. Every session of both
# is terminated mid-operation (what a restart does to them). The largest
# database is then treated as corrupted: dropped and restored from its
# backup, timed until it holds every row the backup held. The clients'
# downtime and lost writes are measured. Rollback drops both databases
# and removes the backup file.

variable "seed_server" {
  description = "PostgreSQL server URL without a database: postgres://user:password@host:port"
  default     = "postgres://postgres@127.0.0.1:5432"
  sensitive   = true
}

variable "seed_app_db" {
  description = "Scratch database the clients write to; created and dropped by the drill."
  default     = "redrill_seed_app"
}

variable "seed_largest_db" {
  description = "Scratch database standing for the largest one; created, backed up, restored and dropped by the drill."
  default     = "redrill_seed_largest"
}

variable "seed_rows" {
  type        = number
  description = "Rows of the largest database's table when its backup is taken."
  default     = 200000
}

variable "seed_operation_rows" {
  type        = number
  description = "Rows the large operation inserts: about 2.5 s a million on a small server."
  default     = 3000000
}

variable "seed_work_dir" {
  description = "Folder the backup of the largest database is written to; removed after."
  default     = "/var/tmp"
}

variable "seed_warmup" {
  description = "How long clients write before the restart."
  default     = "2s"
}

locals {
  seed_admin_dsn     = "${var.seed_server}/postgres?sslmode=disable"
  seed_client_dsn    = "${var.seed_server}/${var.seed_app_db}?sslmode=disable&application_name=redrill-client"
  seed_largest_dsn   = "${var.seed_server}/${var.seed_largest_db}?sslmode=disable"
  seed_operation_dsn = "${var.seed_server}/${var.seed_largest_db}?sslmode=disable&application_name=redrill-large-operation"
  seed_backup        = "${var.seed_work_dir}/redrill-seed-largest.dump"
}

scenario "seed-story-restart-mid-operation" {
  description = "Restart mid-operation under client writes; restore the corrupted largest database from backup and time it; count what clients lost."
  owner       = "db-team"
  tags        = ["postgres", "under-load", "backup", "composite", "catalog"]
  timeout     = "1h"

  postmortem {
    title   = "redrill's seed story (a composite, not a published postmortem)"
    finding = "Nobody knew what the clients lost when the server restarted mid-operation, or how long restoring the largest database takes on the new hardware."
  }

  objective {
    rto         = "30m"
    downtime    = "30s"
    lost_writes = 0
  }

  steady_state {
    check "server-up" {
      sql {
        dsn   = local.seed_admin_dsn
        query = "SELECT 1"
      }
    }
  }

  setup {
    step "drop-leftover-app" {
      sql {
        dsn   = local.seed_admin_dsn
        query = "DROP DATABASE IF EXISTS ${var.seed_app_db} WITH (FORCE)"
      }
    }
    step "drop-leftover-largest" {
      sql {
        dsn   = local.seed_admin_dsn
        query = "DROP DATABASE IF EXISTS ${var.seed_largest_db} WITH (FORCE)"
      }
    }
    step "create-app" {
      sql {
        dsn   = local.seed_admin_dsn
        query = "CREATE DATABASE ${var.seed_app_db}"
      }
    }
    step "create-largest" {
      sql {
        dsn   = local.seed_admin_dsn
        query = "CREATE DATABASE ${var.seed_largest_db}"
      }
    }
    step "create-client-table" {
      sql {
        dsn   = local.seed_client_dsn
        query = "CREATE TABLE drill_writes (seq bigint PRIMARY KEY, at timestamptz NOT NULL)"
      }
    }
    step "load-largest" {
      sql {
        dsn   = local.seed_largest_dsn
        query = "CREATE TABLE big (id bigint NOT NULL, payload text NOT NULL); INSERT INTO big SELECT g, md5(g::text) FROM generate_series(1, ${var.seed_rows}) AS g"
      }
    }
    step "backup-largest" {
      command {
        run     = ["pg_dump", "-Fc", "--file", local.seed_backup, local.seed_largest_dsn]
        timeout = "30m"
      }
    }
    step "large-operation" {
      background = true
      sql {
        dsn   = local.seed_operation_dsn
        query = "INSERT INTO big SELECT g, md5(g::text) FROM generate_series(${var.seed_rows} + 1, ${var.seed_rows} + ${var.seed_operation_rows}) AS g"
      }
    }
    step "operation-running" {
      retries     = 100
      retry_every = "100ms"
      sql {
        dsn   = local.seed_admin_dsn
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
    warmup      = var.seed_warmup
    sql {
      dsn   = local.seed_client_dsn
      query = "INSERT INTO drill_writes (seq, at) VALUES ($1, $2)"
      args  = [workload.seq, workload.at]
    }
    verify {
      survivors = [for row in result.rows : [row.first, row.last]]
      sql {
        dsn   = local.seed_client_dsn
        query = "SELECT min(seq) AS first, max(seq) AS last FROM (SELECT seq, seq - row_number() OVER (ORDER BY seq) AS island FROM drill_writes) AS s GROUP BY island ORDER BY first"
      }
    }
  }

  disrupt {
    step "restart-sessions" {
      sql {
        dsn   = local.seed_admin_dsn
        query = "SELECT count(*) FILTER (WHERE application_name = 'redrill-large-operation') AS operation, count(*) AS sessions FROM (SELECT application_name, pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname IN ('${var.seed_app_db}', '${var.seed_largest_db}') AND pid <> pg_backend_pid()) AS t"
      }
      assert {
        condition     = result.value > 0
        error_message = "the large operation had already ended: raise seed_operation_rows or lower seed_warmup"
      }
    }
  }

  recover {
    step "discard-corrupted" {
      after = ["large-operation"]
      sql {
        dsn   = local.seed_admin_dsn
        query = "DROP DATABASE IF EXISTS ${var.seed_largest_db} WITH (FORCE)"
      }
      assert {
        condition     = steps.large-operation.error != ""
        error_message = "the large operation was not interrupted"
      }
    }
    step "recreate-largest" {
      sql {
        dsn   = local.seed_admin_dsn
        query = "CREATE DATABASE ${var.seed_largest_db}"
      }
    }
    step "restore-largest" {
      command {
        run     = ["pg_restore", "--jobs=2", "--no-owner", "--dbname", local.seed_largest_dsn, local.seed_backup]
        timeout = "30m"
      }
    }
  }

  recovered_when {
    every   = "2s"
    timeout = "30m"
    check "largest-restored" {
      sql {
        dsn   = local.seed_largest_dsn
        query = "SELECT count(*) FROM big"
      }
      assert {
        condition     = result.value == var.seed_rows
        error_message = "the restored table does not hold the rows the backup held"
      }
    }
  }

  rollback {
    step "drop-app" {
      sql {
        dsn   = local.seed_admin_dsn
        query = "DROP DATABASE IF EXISTS ${var.seed_app_db} WITH (FORCE)"
      }
    }
    step "drop-largest" {
      sql {
        dsn   = local.seed_admin_dsn
        query = "DROP DATABASE IF EXISTS ${var.seed_largest_db} WITH (FORCE)"
      }
    }
    step "remove-backup" {
      command { run = ["rm", "-f", local.seed_backup] }
    }
  }
}
