# GitHub, 2018-10-21: 43 seconds of lost connectivity between the US East
# Coast hub and the primary data center led to a cross-country database
# failover; the clusters had to be rebuilt, partly from backups, and
# restoring several terabytes took hours longer than planned.
# Recovery: 24 hours and 11 minutes of degraded service. Data loss: no user
# data was lost; a few seconds of writes had to be reconciled by hand.
#
# The drill: restore the largest MySQL backup onto a spare replica and time
# it until the replica serves queries again.

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
    finding = "Restoring multi-terabyte MySQL backups took many hours longer than planned, which kept the site degraded for a day."
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
