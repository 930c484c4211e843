# Instapaper, 2017-02-08: the production MySQL database on RDS stopped
# accepting new bookmarks at 12:30 PT when the bookmarks table reached the
# 2 TB file size limit of the ext3 file system older RDS instances were
# created on ("Root cause"). The postmortem's opening gives the start as
# "Wednesday, February 9"; Wednesday was 8 February 2017, the date the
# users' e-mail and contemporary reports give, and the one used here.
# Service came back about 31 hours later, at 19:30 PT the next day, on a
# limited instance with limited access to the archives, as a
# stop-gap (opening paragraph); the full dump and restore of every archive
# was completed on February 14 (opening paragraph).
# Data loss: none reported.
#
# The drill: watch the largest table against its limit, and time a restore
# of the whole database from the newest mysqldump into a scratch database,
# so both numbers are known before the limit is hit. Its checks query the
# server with the sql kind (driver "mysql"); the restore and the scratch
# database's steps use the mysql client (MySQL or MariaDB), which reads a
# dump as a stream.

variable "instapaper_host" {
  description = "MySQL or MariaDB server to restore onto (an RDS endpoint, a spare instance...)."
  default     = "127.0.0.1"
}

variable "instapaper_port" {
  description = "Port of that server."
  default     = "3306"
}

variable "instapaper_defaults_file" {
  description = "A mysql option file with [client] user and password, so no password is on a command line."
  default     = "/etc/redrill/mysql-restore.cnf"
}

variable "instapaper_dsn" {
  description = "The same server and an account of the checks' own, as a DSN without a database: user:password@tcp(host:3306)/."
  default     = "root@tcp(127.0.0.1:3306)/"
  sensitive   = true
}

variable "instapaper_source_db" {
  description = "The production database; only read, for the size check."
  default     = "articles"
}

variable "instapaper_largest_table" {
  description = "The table closest to a size limit."
  default     = "bookmarks"
}

variable "instapaper_size_limit_bytes" {
  type        = number
  description = "The limit that table must stay well under (file system, volume, plan): 2 TiB for ext3 on old RDS."
  default     = 2199023255552
}

variable "instapaper_scratch_db" {
  description = "Database the dump is restored into. It is dropped and recreated."
  default     = "restore_drill"
}

variable "instapaper_dump" {
  description = "The newest gzipped dump: mysqldump --single-transaction --routines --triggers DB | gzip."
  default     = "/var/backups/articles/latest.sql.gz"
}

locals {
  # The mysql client with its connection, for the steps.
  instapaper_mysql = ["mysql", "--defaults-extra-file=${var.instapaper_defaults_file}", "--host=${var.instapaper_host}", "--port=${var.instapaper_port}", "--batch", "--skip-column-names"]
}

scenario "instapaper-2017-large-table-restore" {
  description = "Check the largest MySQL table against its size limit, then time a full restore from mysqldump."
  owner       = "db-team"
  tags        = ["mysql", "capacity", "catalog"]
  timeout     = "12h"

  postmortem {
    title   = "Instapaper Outage Cause & Recovery"
    date    = "2017-02-08"
    url     = "https://medium.com/making-instapaper/instapaper-outage-cause-recovery-3c32a7e9cc5f"
    finding = "A table hit a file size limit nobody watched; a full dump and restore onto new storage had never been timed, so service came back after about 31 hours on a limited contingency instance and the full restore took until February 14 (opening paragraph)."
  }

  objective {
    rto = "4h"
  }

  steady_state {
    check "largest-table-under-limit" {
      sql {
        driver = "mysql"
        dsn    = var.instapaper_dsn
        query  = "SELECT data_length + index_length FROM information_schema.tables WHERE table_schema = ? AND table_name = ?"
        args   = [var.instapaper_source_db, var.instapaper_largest_table]
      }
      assert {
        condition     = result.row_count == 1 && result.value < var.instapaper_size_limit_bytes * 0.8
        error_message = "the largest table is missing or above 80% of its size limit"
      }
    }
    check "dump-is-fresh" {
      file { path = var.instapaper_dump }
      assert {
        condition     = result.exists && result.age < duration("26h")
        error_message = "the newest dump is missing or older than 26h"
      }
    }
  }

  recover {
    step "drop-scratch" {
      command {
        run = concat(local.instapaper_mysql, ["--execute", "DROP DATABASE IF EXISTS `${var.instapaper_scratch_db}`"])
      }
    }
    step "create-scratch" {
      command {
        run = concat(local.instapaper_mysql, ["--execute", "CREATE DATABASE `${var.instapaper_scratch_db}`"])
      }
    }
    step "restore" {
      # gunzip piped into the mysql client; the dump, connection and database
      # are arguments, not shell text, and pipefail makes a truncated dump fail.
      command {
        run     = ["bash", "-o", "pipefail", "-c", "dump=\"$1\"; shift; gunzip --stdout \"$dump\" | \"$@\"", "bash", var.instapaper_dump, "mysql", "--defaults-extra-file=${var.instapaper_defaults_file}", "--host=${var.instapaper_host}", "--port=${var.instapaper_port}", var.instapaper_scratch_db]
        timeout = "10h"
      }
    }
  }

  recovered_when {
    every   = "10s"
    timeout = "30m"
    check "largest-table-restored" {
      sql {
        driver = "mysql"
        dsn    = var.instapaper_dsn
        query  = "SELECT 1 FROM `${var.instapaper_scratch_db}`.`${var.instapaper_largest_table}` LIMIT 1"
      }
      assert {
        condition     = result.row_count == 1
        error_message = "the largest table is empty after the restore"
      }
    }
  }

  rollback {
    step "remove-scratch" {
      command {
        run = concat(local.instapaper_mysql, ["--execute", "DROP DATABASE IF EXISTS `${var.instapaper_scratch_db}`"])
      }
    }
  }
}
