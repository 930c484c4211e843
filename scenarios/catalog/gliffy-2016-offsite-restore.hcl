# Gliffy, 2016-03-20: while a database replica was being reseeded, a
# "drop all tables" step ran against the primary and its copies. There was
# no automated restore process, and restoring the large daily backup took
# far longer than expected.
# Recovery: about 3 days of downtime. Data loss: not stated in the
# postmortem.
#
# The drill: fetch the newest backup from off-site storage, restore it onto
# a spare database host with the automated procedure, and time both.

variable "fetch_command" {
  type        = list(string)
  description = "Copies the newest backup from off-site storage to the spare host."
  default     = ["/usr/local/bin/fetch-newest-backup", "--to", "/var/restore/latest"]
}

variable "restore_command" {
  type        = list(string)
  description = "Restores /var/restore/latest onto the spare database host."
  default     = ["/usr/local/bin/restore-backup", "/var/restore/latest"]
}

variable "database_address" {
  description = "host:port of the spare database."
  default     = "db-spare.internal:5432"
}

variable "verify_command" {
  type        = list(string)
  description = "Exits 0 when the restored database holds yesterday's data."
  default     = ["/usr/local/bin/verify-restore", "--host", "db-spare.internal"]
}

scenario "gliffy-2016-offsite-restore" {
  description = "Fetch the newest off-site backup and restore it with the automated procedure."
  owner       = "db-team"
  tags        = ["backup", "off-site", "catalog"]
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

  recover {
    step "fetch-backup" {
      command {
        run     = var.fetch_command
        timeout = "6h"
      }
    }
    step "restore" {
      command {
        run     = var.restore_command
        timeout = "12h"
      }
    }
  }

  recovered_when {
    every   = "30s"
    timeout = "1h"
    check "database-listens" {
      tcp { address = var.database_address }
    }
    check "data-verified" {
      command { run = var.verify_command }
    }
  }
}
