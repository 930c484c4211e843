# Tarsnap, 2023-07-02: at about 13:07:58 UTC the central server, an EC2
# instance, failed a system status check; when it came back its file
# system was corrupted (post-mortem, opening paragraphs). The service keeps
# its data in S3 as a log-structured file system and a local cache of
# metadata; to be safe, the state was rebuilt from the objects in S3 on a
# new server rather than trusted (post-mortem). The operator's own note
# when service returned: a "full state recovery" had not been needed since
# 2012, and part of the process had broken in the meantime (the "Tarsnap
# is back online" notice, https://mail.tarsnap.com/tarsnap-users/msg01719.html).
# Data loss: none; stored data was safe (the "Tarsnap is back online"
# notice).
#
# The drill, on local files only: rebuild an index of the object store
# from the objects themselves, the way state is rebuilt from a log, and
# time it; check that the rebuilt index lists every object. The rebuilt
# index is removed after. Point tarsnap_store at a mounted copy of your
# store, and replace tarsnap_rebuild_command with your own rebuild.

variable "tarsnap_store" {
  description = "Folder of the log-structured store's objects; only read."
  default     = "/var/lib/store/objects"
}

variable "tarsnap_work_dir" {
  description = "Folder the rebuilt index is written to; removed after."
  default     = "/var/tmp"
}

variable "tarsnap_rebuild_command" {
  type        = list(string)
  description = "Rebuilds the index: gets the store and the index path as its last two arguments."
  default     = ["sh", "-c", "find \"$1\" -type f | sort > \"$2\"", "sh"]
}

locals {
  tarsnap_index = "${var.tarsnap_work_dir}/redrill-tarsnap-index"
}

scenario "tarsnap-2023-state-reconstruction" {
  description = "Rebuild the service's state from its log-structured store and time it until every object is indexed."
  owner       = "platform"
  tags        = ["files", "log-structured", "catalog"]
  timeout     = "24h"

  postmortem {
    title   = "Tarsnap outage post-mortem"
    date    = "2023-07-02"
    url     = "https://mail.tarsnap.com/tarsnap-announce/msg00050.html"
    finding = "Rebuilding the server's state from the objects in S3 had not been done since 2012, and a mechanism added since broke it partway through (the \"Tarsnap is back online\" notice)."
  }

  objective {
    rto = "2h"
  }

  steady_state {
    check "store-readable" {
      command { run = ["test", "-d", var.tarsnap_store] }
    }
  }

  recover {
    step "remove-old-index" {
      command { run = ["rm", "-f", local.tarsnap_index] }
    }
    step "rebuild" {
      command {
        run     = concat(var.tarsnap_rebuild_command, [var.tarsnap_store, local.tarsnap_index])
        timeout = "20h"
      }
    }
  }

  recovered_when {
    every   = "5s"
    timeout = "1h"
    check "every-object-indexed" {
      command {
        run = ["sh", "-c", "test \"$(wc -l < \"$2\")\" -eq \"$(find \"$1\" -type f | wc -l)\"", "sh", var.tarsnap_store, local.tarsnap_index]
      }
    }
  }

  rollback {
    step "remove-index" {
      command { run = ["rm", "-f", local.tarsnap_index] }
    }
  }
}
