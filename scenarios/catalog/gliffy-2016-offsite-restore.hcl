# Gliffy, 2016-03-20: while a database replica was being reseeded, a
# "drop all tables" step ran against the primary and its copies. There was
# no automated restore process, and restoring the large daily backup took
# far longer than expected.
# Recovery: about 3 days of downtime. Data loss: not stated in the
# postmortem.
#
# The drill: fetch the newest backup from off-site storage, restore it
# into a scratch database with a scripted procedure, and time both. The
# scratch database and the fetched copy are removed after. Here the backup
# is a pg_dump -Fc file and "off-site" is a path; point
# gliffy_offsite_backup at a mounted copy of your off-site store, or replace
# the fetch step's command with your own transfer.

variable "gliffy_server" {
  description = "PostgreSQL server URL without a database: postgres://user:password@host:port"
  default     = "postgres://postgres@127.0.0.1:5432"
  sensitive   = true
}

variable "gliffy_offsite_backup" {
  description = "The newest pg_dump -Fc file, as kept off-site."
  default     = "/mnt/offsite/db/latest.dump"
}

variable "gliffy_work_dir" {
  description = "Folder the backup is fetched into; the drill's copy is removed after."
  default     = "/var/tmp"
}

variable "gliffy_scratch_db" {
  description = "Database the backup is restored into. It is dropped and recreated, and dropped after."
  default     = "redrill_gliffy_restore"
}

variable "gliffy_table" {
  description = "A table that must hold data after the restore."
  default     = "documents"
}

locals {
  gliffy_admin_dsn   = "${var.gliffy_server}/postgres?sslmode=disable"
  gliffy_scratch_dsn = "${var.gliffy_server}/${var.gliffy_scratch_db}?sslmode=disable"
  gliffy_fetched     = "${var.gliffy_work_dir}/redrill-gliffy-restore.dump"
}

scenario "gliffy-2016-offsite-restore" {
  description = "Fetch the newest off-site backup and restore it with a scripted procedure, timing both."
  owner       = "db-team"
  tags        = ["postgres", "backup", "off-site", "catalog"]
  timeout     = "24h"

  postmortem {
    title   = "The Turtle and the Hare: A Recap of 3 Days of Downtime"
    date    = "2016-03-20"
    url     = "https://www.gliffy.com/blog/2016/03/25/turtle-and-the-hare/"
    finding = "There was no automated restore process and the large daily backup had never been restored against the clock; the outage lasted about three days."
  }

  objective {
    rto = "6h"
  }

  steady_state {
    check "offsite-backup-is-fresh" {
      file { path = var.gliffy_offsite_backup }
      assert {
        condition     = result.exists && result.age < duration("26h")
        error_message = "the newest off-site backup is missing or older than 26h"
      }
    }
  }

  recover {
    step "fetch-backup" {
      command {
        run     = ["cp", var.gliffy_offsite_backup, local.gliffy_fetched]
        timeout = "6h"
      }
    }
    step "drop-scratch" {
      sql {
        dsn   = local.gliffy_admin_dsn
        query = "DROP DATABASE IF EXISTS ${var.gliffy_scratch_db} WITH (FORCE)"
      }
    }
    step "create-scratch" {
      sql {
        dsn   = local.gliffy_admin_dsn
        query = "CREATE DATABASE ${var.gliffy_scratch_db}"
      }
    }
    step "restore" {
      command {
        run     = ["pg_restore", "--jobs=2", "--no-owner", "--dbname", local.gliffy_scratch_dsn, local.gliffy_fetched]
        timeout = "12h"
      }
    }
  }

  recovered_when {
    every   = "10s"
    timeout = "1h"
    check "data-restored" {
      sql {
        dsn   = local.gliffy_scratch_dsn
        query = "SELECT count(*) FROM ${var.gliffy_table}"
      }
      assert {
        condition     = result.value > 0
        error_message = "the restored table is empty"
      }
    }
  }

  rollback {
    step "remove-scratch" {
      sql {
        dsn   = local.gliffy_admin_dsn
        query = "DROP DATABASE IF EXISTS ${var.gliffy_scratch_db} WITH (FORCE)"
      }
    }
    step "remove-fetched-backup" {
      command { run = ["rm", "-f", local.gliffy_fetched] }
    }
  }
}
