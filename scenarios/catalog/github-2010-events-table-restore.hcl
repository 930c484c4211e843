# GitHub, November 2010: a misconfigured continuous-integration run
# treated the production database as its test database, dropped it and
# created it again. The restore from the newest backup was slowed by one
# large table, "events"; to get the site back it was skipped and restored
# bit by bit over the following days, and changes made after the last good
# backup could be lost (the post, "Today's Outage", is one short account
# with no headings: these are its third to fifth paragraphs). The post
# says "a few hours ago" and "Sunday afternoon"; it is dated 2010-11-15 in
# its address, and 14 November 2010 was the Sunday.
# Recovery: not stated in hours. Data loss: possibly changes since the last
# good backup (fifth paragraph).
#
# The drill: restore the core tables and the largest table from their
# newest dumps into a scratch database, separately, so both times are
# known and the order (core first, the large table after) is rehearsed.
# The scratch database is dropped after.

variable "github2010_host" {
  description = "MySQL or MariaDB server to restore onto."
  default     = "127.0.0.1"
}

variable "github2010_port" {
  description = "Port of that server."
  default     = "3306"
}

variable "github2010_defaults_file" {
  description = "A mysql option file with [client] user and password, so no password is on a command line."
  default     = "/etc/redrill/mysql-restore.cnf"
}

variable "github2010_dsn" {
  description = "The same server as a DSN without a database, for the checks: user:password@tcp(host:3306)/."
  default     = "root@tcp(127.0.0.1:3306)/"
  sensitive   = true
}

variable "github2010_scratch_db" {
  description = "Database the dumps are restored into. It is dropped and recreated, and dropped after."
  default     = "redrill_github2010_restore"
}

variable "github2010_core_dump" {
  description = "Gzipped mysqldump of every table but the largest (mysqldump --ignore-table=DB.events DB | gzip)."
  default     = "/var/backups/github/core.sql.gz"
}

variable "github2010_large_dump" {
  description = "Gzipped mysqldump of the largest table alone (mysqldump DB events | gzip)."
  default     = "/var/backups/github/events.sql.gz"
}

variable "github2010_core_table" {
  description = "A core table the site cannot work without."
  default     = "users"
}

variable "github2010_large_table" {
  description = "The largest table, restored last."
  default     = "events"
}

locals {
  github2010_mysql = ["mysql", "--defaults-extra-file=${var.github2010_defaults_file}", "--host=${var.github2010_host}", "--port=${var.github2010_port}", "--batch", "--skip-column-names"]
  github2010_load  = "dump=\"$1\"; shift; gunzip --stdout \"$dump\" | \"$@\""
}

scenario "github-2010-events-table-restore" {
  description = "Restore the core tables, then the largest table, from their newest dumps into a scratch database and time both."
  owner       = "db-team"
  tags        = ["mysql", "backup", "catalog"]
  timeout     = "12h"

  postmortem {
    title   = "Today's Outage"
    date    = "2010-11-14"
    url     = "https://github.blog/2010-11-15-today-s-outage/"
    finding = "The restore from backup had not been timed with the large events table; it slowed the restore so much that the table was skipped and brought back over days (third and fourth paragraphs)."
  }

  objective {
    rto = "1h"
  }

  steady_state {
    check "dumps-are-fresh" {
      file { path = var.github2010_large_dump }
      assert {
        condition     = result.exists && result.age < duration("26h")
        error_message = "the newest dump of the largest table is missing or older than 26h"
      }
    }
  }

  recover {
    step "drop-scratch" {
      command {
        run = concat(local.github2010_mysql, ["--execute", "DROP DATABASE IF EXISTS `${var.github2010_scratch_db}`"])
      }
    }
    step "create-scratch" {
      command {
        run = concat(local.github2010_mysql, ["--execute", "CREATE DATABASE `${var.github2010_scratch_db}`"])
      }
    }
    step "restore-core" {
      command {
        run     = ["bash", "-o", "pipefail", "-c", local.github2010_load, "bash", var.github2010_core_dump, "mysql", "--defaults-extra-file=${var.github2010_defaults_file}", "--host=${var.github2010_host}", "--port=${var.github2010_port}", var.github2010_scratch_db]
        timeout = "4h"
      }
    }
    step "restore-largest" {
      command {
        run     = ["bash", "-o", "pipefail", "-c", local.github2010_load, "bash", var.github2010_large_dump, "mysql", "--defaults-extra-file=${var.github2010_defaults_file}", "--host=${var.github2010_host}", "--port=${var.github2010_port}", var.github2010_scratch_db]
        timeout = "8h"
      }
    }
  }

  recovered_when {
    every   = "10s"
    timeout = "30m"
    check "core-and-largest-restored" {
      sql {
        driver = "mysql"
        dsn    = var.github2010_dsn
        query  = "SELECT LEAST((SELECT COUNT(*) FROM `${var.github2010_scratch_db}`.`${var.github2010_core_table}`), (SELECT COUNT(*) FROM `${var.github2010_scratch_db}`.`${var.github2010_large_table}`))"
      }
      assert {
        condition     = result.value > 0
        error_message = "a restored table is empty"
      }
    }
  }

  rollback {
    step "remove-scratch" {
      command {
        run = concat(local.github2010_mysql, ["--execute", "DROP DATABASE IF EXISTS `${var.github2010_scratch_db}`"])
      }
    }
  }
}
