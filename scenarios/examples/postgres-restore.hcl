# Restore the orders database from its newest dump into a scratch database,
# and time it: the drill most postmortems ask for, and the one nobody runs
# until the day it is needed.
#
#   redrill run scenarios/examples/postgres-restore.hcl \
#     --var server=postgres://postgres@db.internal:5432 --var dump=/var/backups/orders.dump

variable "server" {
  description = "PostgreSQL server URL without a database: postgres://user:password@host:port"
  default     = "postgres://postgres@127.0.0.1:5432"
  sensitive   = true
}

variable "source_db" {
  description = "The production database the dump was taken from; only read."
  default     = "orders"
}

variable "scratch_db" {
  description = "Database the dump is restored into. It is dropped and recreated."
  default     = "orders_restore_drill"
}

variable "dump" {
  description = "The newest pg_dump -Fc file."
  default     = "/var/backups/orders/latest.dump"
}

locals {
  admin_dsn   = "${var.server}/postgres?sslmode=disable"
  source_dsn  = "${var.server}/${var.source_db}?sslmode=disable"
  scratch_dsn = "${var.server}/${var.scratch_db}?sslmode=disable"
}

scenario "orders-db-restore" {
  description = "Restore the largest database from its newest dump and check every order is back."
  owner       = "db-team"
  tags        = ["postgres", "tier-1"]
  timeout     = "2h"

  postmortem {
    title   = "Primary database corrupted; restore ran hours past plan"
    finding = "The restore time of the largest database had never been measured."
  }

  objective {
    rto = "30m"
    rpo = "24h"
  }

  steady_state {
    check "dump-is-fresh" {
      file { path = var.dump }
      assert {
        condition     = result.exists && result.age < duration("26h")
        error_message = "the newest dump is missing or older than 26h"
      }
    }
    check "orders-in-source" {
      sql {
        dsn   = local.source_dsn
        query = "SELECT count(*) FROM orders"
      }
    }
    # The size of what is restored, recorded with the run: the report
    # divides it by the RTO for the restore throughput, and models the
    # RTO against it to forecast when growth will cross the objective.
    measure "database_size" {
      sql {
        dsn   = local.source_dsn
        query = "SELECT pg_database_size(current_database())"
      }
      value = result.value
      unit  = "bytes"
    }
    measure "dump_size" {
      file { path = var.dump }
      value = result.size
      unit  = "bytes"
    }
  }

  recover {
    step "drop-scratch" {
      sql {
        dsn   = local.admin_dsn
        query = "DROP DATABASE IF EXISTS ${var.scratch_db} WITH (FORCE)"
      }
    }
    step "create-scratch" {
      sql {
        dsn   = local.admin_dsn
        query = "CREATE DATABASE ${var.scratch_db}"
      }
    }
    step "restore" {
      command {
        run     = ["pg_restore", "--jobs=2", "--no-owner", "--dbname", local.scratch_dsn, var.dump]
        timeout = "90m"
      }
    }
  }

  recovered_when {
    every   = "1s"
    timeout = "10m"
    check "orders-restored" {
      sql {
        dsn   = local.scratch_dsn
        query = "SELECT count(*) FROM orders"
      }
      assert {
        condition     = result.value == steps.orders-in-source.value
        error_message = "the restored database does not have every order of the source"
      }
    }
  }

  data_loss {
    sql {
      dsn   = local.scratch_dsn
      query = "SELECT max(created_at) FROM orders"
    }
    newest_record = result.value

    measure "orders_restored" {
      sql {
        dsn   = local.scratch_dsn
        query = "SELECT count(*) FROM orders"
      }
      value = result.value
      unit  = "rows"
    }
  }

  rollback {
    step "remove-scratch" {
      sql {
        dsn   = local.admin_dsn
        query = "DROP DATABASE IF EXISTS ${var.scratch_db}"
      }
    }
  }
}
