# GitLab.com, 2017-01-31: production PostgreSQL data was deleted by
# mistake while a replica was being re-synchronised ("Timeline", about
# 23:30 UTC). When the team went to the daily pg_dump backups there were
# none: the S3 bucket was empty, because the backup job ran pg_dump 9.2
# against a 9.6 server and failed every time, and its failure e-mails were
# rejected ("Database backups using pg_dump"). The other methods did not
# help either ("Broken recovery procedures"); the data came back from an
# LVM snapshot taken by hand at 17:20 UTC for staging ("Timeline").
# Data loss: database changes between 17:20 and 00:00 UTC on January 31
# (opening summary).
#
# The drill: prove every week that the newest dump exists, is not empty,
# restores, and holds every row it held when it was taken, and measure how
# long that takes.

variable "gitlab_server" {
  description = "PostgreSQL server URL without a database: postgres://user:password@host:port"
  default     = "postgres://postgres@127.0.0.1:5432"
  sensitive   = true
}

variable "gitlab_table" {
  description = "A large table whose rows must all come back."
  default     = "orders"
}

variable "gitlab_timestamp_column" {
  description = "Column of var.gitlab_table holding when a row was written, for the data loss."
  default     = "created_at"
}

variable "gitlab_scratch_db" {
  description = "Database the dump is restored into. It is dropped and recreated."
  default     = "restore_drill"
}

variable "gitlab_dump" {
  description = "The newest pg_dump -Fc file."
  default     = "/var/backups/orders/latest.dump"
}

variable "gitlab_min_dump_bytes" {
  type        = number
  description = "A dump smaller than this is a failed backup, not a small database."
  default     = 1048576
}

locals {
  gitlab_admin_dsn   = "${var.gitlab_server}/postgres?sslmode=disable"
  gitlab_scratch_dsn = "${var.gitlab_server}/${var.gitlab_scratch_db}?sslmode=disable"
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
    finding = "The daily pg_dump backups were not there at all: the S3 bucket was empty because the job had been failing unnoticed (\"Database backups using pg_dump\"); nobody had checked that a dump existed and restored."
  }

  objective {
    rto = "2h"
    rpo = "24h"
  }

  steady_state {
    check "dump-is-fresh-and-not-empty" {
      file { path = var.gitlab_dump }
      assert {
        condition     = result.exists && result.age < duration("26h")
        error_message = "the newest dump is missing or older than 26h"
      }
      assert {
        condition     = result.size >= var.gitlab_min_dump_bytes
        error_message = "the newest dump is smaller than expected: the backup job is probably failing"
      }
    }
    check "rows-in-dump" {
      # The rows of the table as the dump holds them, counted from the
      # dump's own data: the count at dump time, which a source that keeps
      # growing after the dump cannot change.
      command {
        run     = ["bash", "-o", "pipefail", "-c", "pg_restore --data-only --table=\"$1\" --file=- \"$2\" | awk '/^COPY /{c=1; next} $0 == \"\\\\.\"{c=0; next} c{n++} END{print n+0}'", "bash", var.gitlab_table, var.gitlab_dump]
        timeout = "1h"
      }
      assert {
        condition     = can(tonumber(trimspace(result.stdout)))
        error_message = "could not count the rows in the dump"
      }
    }
  }

  recover {
    step "drop-scratch" {
      sql {
        dsn   = local.gitlab_admin_dsn
        query = "DROP DATABASE IF EXISTS ${var.gitlab_scratch_db} WITH (FORCE)"
      }
    }
    step "create-scratch" {
      sql {
        dsn   = local.gitlab_admin_dsn
        query = "CREATE DATABASE ${var.gitlab_scratch_db}"
      }
    }
    step "restore" {
      command {
        run     = ["pg_restore", "--jobs=2", "--no-owner", "--dbname", local.gitlab_scratch_dsn, var.gitlab_dump]
        timeout = "5h"
      }
    }
  }

  recovered_when {
    every   = "5s"
    timeout = "30m"
    check "rows-restored" {
      sql {
        dsn   = local.gitlab_scratch_dsn
        query = "SELECT count(*) FROM ${var.gitlab_table}"
      }
      assert {
        condition     = result.value == tonumber(trimspace(steps.rows-in-dump.stdout))
        error_message = "the restored table does not hold the rows the dump held"
      }
    }
  }

  data_loss {
    sql {
      dsn   = local.gitlab_scratch_dsn
      query = "SELECT max(${var.gitlab_timestamp_column}) FROM ${var.gitlab_table}"
    }
    newest_record = result.value
  }

  rollback {
    step "remove-scratch" {
      sql {
        dsn   = local.gitlab_admin_dsn
        query = "DROP DATABASE IF EXISTS ${var.gitlab_scratch_db}"
      }
    }
  }
}
