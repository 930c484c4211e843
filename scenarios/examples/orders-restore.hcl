# Restore the largest database from last night's dump and time it.
#
# The lesson of many postmortems: nobody had measured how long a restore of
# the largest database takes, until the day it had to be done. This drill
# measures it every week on the hardware the database runs on now.
#
#   redrill plan scenarios/examples/orders-restore.hcl
#   redrill plan scenarios/examples/orders-restore.hcl --var dump=/backups/orders.dump

variable "scratch_dsn" {
  description = "Database the dump is restored into. It is dropped and recreated."
  default     = "postgres://postgres@127.0.0.1:5432/restore_drill?sslmode=disable"
  sensitive   = true
}

variable "dump" {
  default = "/var/backups/orders/latest.dump"
}

locals {
  admin_dsn = replace(var.scratch_dsn, "/restore_drill", "/postgres")
}

scenario "orders-db-restore" {
  description = "Restore the largest database from last night's dump on the new hardware."
  owner       = "db-team"
  tags        = ["postgres", "tier-1"]

  postmortem {
    id      = "PM-2041"
    title   = "Primary database corrupted; restore ran 9 hours past plan"
    url     = "https://wiki.example.com/postmortems/2041"
    date    = "2026-03-14"
    finding = "Restore time of the largest database was never measured on the new hardware."
  }

  objective { # RTO: time from the first recover step to recovered
    rto = "30m"
    rpo = "24h"
  }

  schedule {
    cron     = "0 3 * * SAT"
    timezone = "UTC"
  }

  timeout = "2h"

  steady_state {
    check "dump-is-fresh" {
      file { path = var.dump }
      assert {
        condition     = result.age < duration("26h")
        error_message = "last night's dump is missing or stale"
      }
    }
  }

  recover {
    step "recreate" {
      sql {
        dsn   = local.admin_dsn
        query = "DROP DATABASE IF EXISTS restore_drill"
      }
    }
    step "create" {
      sql {
        dsn   = local.admin_dsn
        query = "CREATE DATABASE restore_drill"
      }
    }
    step "restore" {
      command {
        run     = ["pg_restore", "--jobs=2", "--dbname", var.scratch_dsn, var.dump]
        timeout = "90m"
      }
    }
  }

  recovered_when {
    every   = "1s"
    timeout = "1h"
    check "orders-present" {
      sql {
        dsn   = var.scratch_dsn
        query = "SELECT count(*) FROM orders"
      }
      assert {
        condition     = result.value > 0
        error_message = "orders table is empty after the restore"
      }
    }
  }

  data_loss {
    sql {
      dsn   = var.scratch_dsn
      query = "SELECT max(created_at) FROM orders"
    }
    newest_record = result.value
  }

  rollback {
    step "drop-scratch" {
      sql {
        dsn   = local.admin_dsn
        query = "DROP DATABASE IF EXISTS restore_drill"
      }
    }
  }
}
