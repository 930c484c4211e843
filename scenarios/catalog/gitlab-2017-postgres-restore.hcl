# GitLab.com, 2017-01-31: production PostgreSQL data was deleted by
# mistake during replication work. Of the backup methods in place, the
# regular pg_dump backups had been failing unnoticed; the restore came from
# a 6-hour-old staging snapshot, copied over slow disks.
# Recovery: about 18 hours. Data loss: about 6 hours of database changes.
#
# The drill: prove every week that the newest dump exists, is not empty,
# restores, and holds the data, and measure how long that takes.

variable "server" {
  description = "PostgreSQL server URL without a database: postgres://user:password@host:port"
  default     = "postgres://postgres@127.0.0.1:5432"
  sensitive   = true
}

variable "source_db" {
  description = "The production database the dump is taken from; only read."
  default     = "orders"
}

variable "table" {
  description = "A large table whose rows must all come back."
  default     = "orders"
}

variable "timestamp_column" {
  description = "Column of var.table holding when a row was written, for the data loss."
  default     = "created_at"
}

variable "scratch_db" {
  description = "Database the dump is restored into. It is dropped and recreated."
  default     = "restore_drill"
}

variable "dump" {
  description = "The newest pg_dump -Fc file."
  default     = "/var/backups/orders/latest.dump"
}

variable "min_dump_bytes" {
  type        = number
  description = "A dump smaller than this is a failed backup, not a small database."
  default     = 1048576
}

locals {
  admin_dsn   = "${var.server}/postgres?sslmode=disable"
  source_dsn  = "${var.server}/${var.source_db}?sslmode=disable"
  scratch_dsn = "${var.server}/${var.scratch_db}?sslmode=disable"
}

scenario "gitlab-2017-postgres-restore" {
  description = "Restore the newest PostgreSQL dump into a scratch database and check every row came back."
  owner       = "db-team"
  tags        = ["postgres", "backup", "catalog"]
  timeout     = "6h"

  postmortem {
    title   = "Postmortem of database outage of January 31"
    date    = "2017-01-31"
    url     = "https://about.gitlab.com/blog/2017/02/10/postmortem-of-database-outage-of-january-31/"
    finding = "Backups were taken but never restored: the dumps had been failing silently, so recovery fell back to an old snapshot and took about 18 hours."
  }

  objective {
    rto = "2h"
    rpo = "24h"
  }

  steady_state {
    check "dump-is-fresh-and-not-empty" {
      file { path = var.dump }
      assert {
        condition     = result.exists && result.age < duration("26h")
        error_message = "the newest dump is missing or older than 26h"
      }
      assert {
        condition     = result.size >= var.min_dump_bytes
        error_message = "the newest dump is smaller than expected: the backup job is probably failing"
      }
    }
    check "rows-in-source" {
      sql {
        dsn   = local.source_dsn
        query = "SELECT count(*) FROM ${var.table}"
      }
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
        timeout = "5h"
      }
    }
  }

  recovered_when {
    every   = "5s"
    timeout = "30m"
    check "rows-restored" {
      sql {
        dsn   = local.scratch_dsn
        query = "SELECT count(*) FROM ${var.table}"
      }
      assert {
        condition     = result.value >= steps.rows-in-source.value
        error_message = "the restored table has fewer rows than production"
      }
    }
  }

  data_loss {
    sql {
      dsn   = local.scratch_dsn
      query = "SELECT max(${var.timestamp_column}) FROM ${var.table}"
    }
    newest_record = result.value
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
