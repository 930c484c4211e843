# Instapaper, February 2017: the production MySQL database on RDS stopped
# accepting writes when a table reached a file size limit of the file
# system it had been created on years before. Getting back meant dumping
# and restoring the whole database onto a new instance, which took well
# over a day before the service ran again and longer to restore every
# archive.
# Recovery: about 31 hours of outage, then days for full data.
# Data loss: none reported.
#
# The drill: watch the largest table against its limit, and time a restore
# of the whole database, so both numbers are known before the limit is hit.

variable "server" {
  description = "PostgreSQL server URL without a database: postgres://user:password@host:port"
  default     = "postgres://postgres@127.0.0.1:5432"
  sensitive   = true
}

variable "source_db" {
  description = "The production database; only read."
  default     = "articles"
}

variable "largest_table" {
  description = "The table closest to a size limit."
  default     = "bookmarks"
}

variable "size_limit_bytes" {
  type        = number
  description = "The limit that table must stay well under (file system, volume, plan)."
  default     = 2199023255552
}

variable "scratch_db" {
  description = "Database the dump is restored into. It is dropped and recreated."
  default     = "restore_drill"
}

variable "dump" {
  description = "The newest pg_dump -Fc file."
  default     = "/var/backups/articles/latest.dump"
}

locals {
  admin_dsn   = "${var.server}/postgres?sslmode=disable"
  source_dsn  = "${var.server}/${var.source_db}?sslmode=disable"
  scratch_dsn = "${var.server}/${var.scratch_db}?sslmode=disable"
}

scenario "instapaper-2017-large-table-restore" {
  description = "Check the largest table against its size limit, then time a full restore."
  owner       = "db-team"
  tags        = ["postgres", "capacity", "catalog"]
  timeout     = "12h"

  postmortem {
    title   = "Instapaper Outage Cause & Recovery"
    date    = "2017-02-08"
    url     = "https://medium.com/making-instapaper/instapaper-outage-cause-recovery-3c32a7e9cc5f"
    finding = "A table hit a file size limit nobody was watching, and a full restore onto new storage had never been timed; the outage lasted more than a day."
  }

  objective {
    rto = "4h"
  }

  steady_state {
    check "largest-table-under-limit" {
      sql {
        dsn   = local.source_dsn
        query = "SELECT pg_total_relation_size($1)"
        args  = [var.largest_table]
      }
      assert {
        condition     = result.value < var.size_limit_bytes * 0.8
        error_message = "the largest table is above 80% of its size limit"
      }
    }
    check "dump-is-fresh" {
      file { path = var.dump }
      assert {
        condition     = result.exists && result.age < duration("26h")
        error_message = "the newest dump is missing or older than 26h"
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
        run     = ["pg_restore", "--jobs=4", "--no-owner", "--dbname", local.scratch_dsn, var.dump]
        timeout = "10h"
      }
    }
  }

  recovered_when {
    every   = "10s"
    timeout = "30m"
    check "largest-table-restored" {
      sql {
        dsn   = local.scratch_dsn
        query = "SELECT count(*) FROM ${var.largest_table}"
      }
      assert {
        condition     = result.value > 0
        error_message = "the largest table is empty after the restore"
      }
    }
  }

  rollback {
    step "remove-scratch" {
      sql {
        dsn   = local.admin_dsn
        query = "DROP DATABASE IF EXISTS ${var.scratch_db} WITH (FORCE)"
      }
    }
  }
}
