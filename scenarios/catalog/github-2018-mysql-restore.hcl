# GitHub, 2018-10-21: 43 seconds of lost connectivity between the US East
# Coast hub and the primary data center ("2018 October 21 22:52 UTC") led to
# a cross-country database failover, and the clusters were rebuilt from
# backups. The restore itself was no surprise: the procedure was tested
# daily and its time understood ("2018 October 22 00:05 UTC"). What had
# never been done was rebuilding whole clusters that way and then letting
# the replicas catch up under the morning's write load: catch-up followed a
# power decay, not the straight line estimated ("2018 October 22 11:12
# UTC"), until more read replicas spread the load ("13:15 UTC") and the
# original topology was back at 16:24 UTC ("2018 October 22 16:24 UTC").
# Recovery: 24 hours and 11 minutes of degraded service (opening summary),
# green at 23:03 UTC on October 22 ("2018 October 22 23:03 UTC").
# Data loss: no user data; a few seconds of writes reconciled by hand
# (opening summary; 954 writes on one of the busiest clusters, "Resolving
# data inconsistencies"); about 200,000 webhook payloads outlived an
# internal TTL and were dropped ("2018 October 22 16:45 UTC").
#
# The drill: transfer the newest backup, restore it into a new replica,
# then time until the replica has caught up with the writes made since the
# backup, so the rebuild is measured to the end and not only to the
# restore. It removes the replica and the transferred copy after.

variable "github_host" {
  description = "MySQL or MariaDB server the new replica is restored onto."
  default     = "127.0.0.1"
}

variable "github_port" {
  description = "Port of that server."
  default     = "3306"
}

variable "github_defaults_file" {
  description = "A mysql option file with [client] user and password, so no password is on a command line."
  default     = "/etc/redrill/mysql-restore.cnf"
}

variable "github_dsn" {
  description = "The same server as a DSN without a database, for the checks: user:password@tcp(host:3306)/."
  default     = "root@tcp(127.0.0.1:3306)/"
  sensitive   = true
}

variable "github_source_db" {
  description = "The database the backup was taken of; only read, for the catch-up."
  default     = "repositories"
}

variable "github_table" {
  description = "The busiest table, with an increasing integer key: the one whose catch-up is measured."
  default     = "pushes"
}

variable "github_key_column" {
  description = "The increasing integer key of var.github_table."
  default     = "id"
}

variable "github_replica_db" {
  description = "Database the new replica is restored into. It is dropped and recreated, and dropped after."
  default     = "redrill_github_replica"
}

variable "github_backup" {
  description = "The newest gzipped dump in backup storage: mysqldump --single-transaction DB | gzip."
  default     = "/var/backups/repositories/latest.sql.gz"
}

variable "github_work_dir" {
  description = "Folder the backup is transferred to before the restore; the drill's copy is removed after."
  default     = "/var/tmp"
}

locals {
  github_mysql   = ["mysql", "--defaults-extra-file=${var.github_defaults_file}", "--host=${var.github_host}", "--port=${var.github_port}", "--batch", "--skip-column-names"]
  github_fetched = "${var.github_work_dir}/redrill-github-replica.sql.gz"
}

scenario "github-2018-mysql-restore" {
  description = "Rebuild a replica from the newest MySQL backup and time it until it has caught up with the source."
  owner       = "db-team"
  tags        = ["mysql", "backup", "replication", "catalog"]
  timeout     = "24h"

  postmortem {
    title   = "October 21 post-incident analysis"
    date    = "2018-10-21"
    url     = "https://github.blog/2018-10-30-oct21-post-incident-analysis/"
    finding = "The restore was tested daily, but a full cluster rebuild from backup had never been needed; replication catch-up under peak write load took hours longer than estimated (\"2018 October 22 11:12 UTC\")."
  }

  objective {
    rto = "4h"
  }

  steady_state {
    check "backup-is-fresh" {
      file { path = var.github_backup }
      assert {
        condition     = result.exists && result.age < duration("5h")
        error_message = "the newest backup is missing or older than 5h (GitHub's were taken every four hours)"
      }
    }
  }

  recover {
    step "transfer-backup" {
      # Most of GitHub's restore time went to moving the data out of backup
      # storage ("2018 October 22 00:05 UTC"): time the transfer as well.
      command {
        run     = ["cp", var.github_backup, local.github_fetched]
        timeout = "6h"
      }
    }
    step "drop-replica" {
      command {
        run = concat(local.github_mysql, ["--execute", "DROP DATABASE IF EXISTS `${var.github_replica_db}`"])
      }
    }
    step "create-replica" {
      command {
        run = concat(local.github_mysql, ["--execute", "CREATE DATABASE `${var.github_replica_db}`"])
      }
    }
    step "restore" {
      command {
        run     = ["bash", "-o", "pipefail", "-c", "dump=\"$1\"; shift; gunzip --stdout \"$dump\" | \"$@\"", "bash", local.github_fetched, "mysql", "--defaults-extra-file=${var.github_defaults_file}", "--host=${var.github_host}", "--port=${var.github_port}", var.github_replica_db]
        timeout = "12h"
      }
    }
    step "catch-up" {
      # On one server, the rows written since the backup are copied across;
      # on a real replica, replace this step with CHANGE REPLICATION SOURCE
      # and START REPLICA, and keep the check below.
      sql {
        driver = "mysql"
        dsn    = var.github_dsn
        query  = "INSERT INTO `${var.github_replica_db}`.`${var.github_table}` SELECT * FROM `${var.github_source_db}`.`${var.github_table}` WHERE `${var.github_key_column}` > (SELECT COALESCE(MAX(`${var.github_key_column}`), 0) FROM `${var.github_replica_db}`.`${var.github_table}`)"
      }
    }
  }

  recovered_when {
    every   = "10s"
    timeout = "6h"
    check "replica-caught-up" {
      sql {
        driver = "mysql"
        dsn    = var.github_dsn
        query  = "SELECT (SELECT COALESCE(MAX(`${var.github_key_column}`), 0) FROM `${var.github_source_db}`.`${var.github_table}`) - (SELECT COALESCE(MAX(`${var.github_key_column}`), 0) FROM `${var.github_replica_db}`.`${var.github_table}`)"
      }
      assert {
        condition     = result.value == 0
        error_message = "the replica is still behind the source"
      }
    }
  }

  rollback {
    step "remove-replica" {
      command {
        run = concat(local.github_mysql, ["--execute", "DROP DATABASE IF EXISTS `${var.github_replica_db}`"])
      }
    }
    step "remove-transferred-backup" {
      command { run = ["rm", "-f", local.github_fetched] }
    }
  }
}
