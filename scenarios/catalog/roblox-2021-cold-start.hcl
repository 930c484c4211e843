# Roblox, 2021-10-28 to 2021-10-31: the Consul cluster behind service
# discovery became unhealthy. Two mostly unrelated issues met: a relatively
# new Consul streaming feature, enabled under unusually high read and
# write load, caused heavy contention, and the same load hit a pathological
# performance issue in BoltDB, which Consul uses for its write-ahead log
# ("Outage Summary"). Diagnosing those two issues, with monitoring that
# itself depended on Consul, is what made the outage long; bringing the
# platform up carefully from a fully-down state took notable time on top
# ("Outage Summary").
# Recovery: 73 hours ("Outage Summary"). Data loss: none (introduction).
#
# The drill: stop the service-discovery cluster, start it from cold, and
# time until it elects a leader, so at least the bootstrap part of such an
# outage is known and practised.

variable "roblox_stop_command" {
  type        = list(string)
  description = "Stops every node of the cluster."
  default     = ["systemctl", "stop", "consul.service"]
}

variable "roblox_start_command" {
  type        = list(string)
  description = "Starts every node of the cluster."
  default     = ["systemctl", "start", "consul.service"]
}

variable "roblox_leader_url" {
  description = "Answers with the leader's address once the cluster has elected one."
  default     = "http://127.0.0.1:8500/v1/status/leader"
}

scenario "roblox-2021-cold-start" {
  description = "Cold-start the service-discovery cluster and time it until it has a leader again."
  owner       = "platform"
  tags        = ["consul", "cold-start", "catalog"]
  timeout     = "3h"

  postmortem {
    title   = "Roblox Return to Service 10/28-10/31 2021"
    date    = "2021-10-28"
    url     = "https://blog.roblox.com/2022/01/roblox-return-to-service-10-28-10-31-2021/"
    finding = "Consul streaming under high load and a BoltDB performance issue took the cluster down; diagnosing the two unrelated issues took most of the 73 hours, and the careful cold start from fully down added notable time (\"Outage Summary\")."
  }

  objective {
    rto = "30m"
  }

  steady_state {
    check "has-leader" {
      http { url = var.roblox_leader_url }
      assert {
        condition     = length(result.body) > 2
        error_message = "the cluster has no leader before the drill"
      }
    }
  }

  disrupt {
    step "stop-cluster" {
      command { run = var.roblox_stop_command }
    }
  }

  recover {
    step "start-cluster" {
      command { run = var.roblox_start_command }
    }
  }

  recovered_when {
    every   = "2s"
    timeout = "2h"
    check "leader-elected" {
      http {
        url     = var.roblox_leader_url
        timeout = "5s"
      }
      assert {
        condition     = result.status == 200 && length(result.body) > 2
        error_message = "no leader elected yet"
      }
    }
  }

  rollback {
    step "ensure-started" {
      command { run = var.roblox_start_command }
    }
  }
}
