# Reddit, 2023-03-14 ("Pi-Day"): an upgrade of a Kubernetes cluster from
# 1.23 to 1.24 broke its networking (a node label the route reflectors
# relied on was renamed). With no supported downgrade, the way back was a
# restore from backup, whose runbook had been written years earlier for an
# older setup and had to be rewritten during the outage.
# Recovery: 314 minutes. Data loss: none reported.
#
# The drill: restore the control plane's state (etcd, in a Kubernetes
# cluster) from its newest snapshot on a spare member and time it until the
# member is healthy, so the runbook is exercised while it still matches.

variable "reddit_snapshot" {
  description = "The newest etcd snapshot file."
  default     = "/var/backups/etcd/latest.db"
}

variable "reddit_restore_root" {
  description = "Folder under which the drill restores into its own etcd-restore-drill folder (removed after)."
  default     = "/var/lib"
}

variable "reddit_endpoint" {
  description = "Client URL of the restored member."
  default     = "http://127.0.0.1:23790"
}

locals {
  # Always a folder of the drill's own, whatever restore_root is.
  reddit_data_dir = "${var.reddit_restore_root}/etcd-restore-drill"
}

scenario "reddit-2023-etcd-restore" {
  description = "Restore etcd from its newest snapshot on a spare member and time it until healthy."
  owner       = "platform"
  tags        = ["kubernetes", "etcd", "catalog"]
  timeout     = "2h"

  postmortem {
    title   = "You Broke Reddit: The Pi-Day Outage"
    date    = "2023-03-14"
    url     = "https://www.reddit.com/r/RedditEng/comments/11xx5o0/you_broke_reddit_the_piday_outage/"
    finding = "The restore-from-backup runbook was years old and no longer matched the cluster; it was rewritten during the outage instead of being rehearsed before."
  }

  objective {
    rto = "30m"
  }

  steady_state {
    check "snapshot-is-fresh" {
      file { path = var.reddit_snapshot }
      assert {
        condition     = result.exists && result.age < duration("25h")
        error_message = "the newest etcd snapshot is missing or older than 25h"
      }
    }
  }

  recover {
    step "clear-data-dir" {
      command { run = ["rm", "-rf", local.reddit_data_dir] }
    }
    step "restore-snapshot" {
      command { run = ["etcdutl", "snapshot", "restore", var.reddit_snapshot, "--data-dir", local.reddit_data_dir] }
    }
    step "start-member" {
      command { run = ["systemctl", "start", "etcd-restore-drill.service"] }
    }
  }

  recovered_when {
    every   = "2s"
    timeout = "20m"
    check "member-healthy" {
      http { url = "${var.reddit_endpoint}/health" }
      assert {
        condition     = try(result.json.health, "") == "true"
        error_message = "the restored member is not healthy yet"
      }
    }
  }

  rollback {
    step "stop-member" {
      command { run = ["systemctl", "stop", "etcd-restore-drill.service"] }
    }
    step "remove-data-dir" {
      command { run = ["rm", "-rf", local.reddit_data_dir] }
    }
  }
}
