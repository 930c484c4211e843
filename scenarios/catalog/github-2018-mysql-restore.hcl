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
# The drill: restore the newest backup onto a fresh replica, then time how
# long it takes to catch up with the writes made since the backup, so the
# rebuild is measured to the end and not only to the restore.

variable "restore_command" {
  type        = list(string)
  description = "Restores the newest backup onto the spare replica (xtrabackup, mydumper, a script...)."
  default     = ["/usr/local/bin/restore-newest-backup", "--target", "replica-spare"]
}

variable "replica_address" {
  description = "host:port of the spare replica."
  default     = "replica-spare.internal:3306"
}

variable "check_command" {
  type        = list(string)
  description = "Exits 0 once the restored replica answers a query on the largest table."
  default     = ["mysql", "--host=replica-spare.internal", "--execute=SELECT 1 FROM orders LIMIT 1"]
}

scenario "github-2018-mysql-restore" {
  description = "Restore the largest MySQL cluster's newest backup onto a spare replica and time it."
  owner       = "db-team"
  tags        = ["mysql", "backup", "catalog"]
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

  recover {
    step "restore" {
      command {
        run     = var.restore_command
        timeout = "20h"
      }
    }
  }

  recovered_when {
    every   = "30s"
    timeout = "2h"
    check "replica-answers" {
      tcp { address = var.replica_address }
    }
    check "largest-table-readable" {
      command { run = var.check_command }
    }
  }
}
