variable "api" {
  default = "http://127.0.0.1:8080"
}

variable "replicas" {
  type    = list(string)
  default = ["db-1", "db-2"]
}

variable "webhook" {
  default   = "https://hooks.example.com/services/T000/B000/XXXX"
  sensitive = true
}

locals {
  health = "${var.api}/healthz"
}

scenario "api-failover" {
  description = "Kill the primary API process; the standby must take over."
  owner       = "platform"
  timeout     = "15m"

  objective {
    rto = "2m"
  }

  schedule {
    cron     = "0 0 9 * * MON"
    timezone = "Europe/Paris"
  }

  steady_state {
    check "api-healthy" {
      http { url = local.health }
    }
  }

  disrupt {
    step "kill-primary" {
      command {
        run = ["pkill", "-f", "api-primary"]
        env = { REPLICAS = join(",", var.replicas) }
      }
      assert {
        condition = result.exit_code <= 1
      }
    }
  }

  guard {
    every = "2s"
    check "standby-alive" {
      tcp { address = "127.0.0.1:8081" }
    }
  }

  recovered_when {
    every = "500ms"
    check "api-answers" {
      retries     = 2
      retry_every = "100ms"
      http {
        url     = local.health
        timeout = "1s"
      }
      assert {
        condition     = result.status == 200 && try(result.json.role, "") == "primary"
        error_message = "standby has not become primary: ${result.body}"
      }
    }
  }

  rollback {
    step "restart-primary" {
      command { run = ["systemctl", "start", "api-primary"] }
    }
    step "log" {
      command { run = ["logger", "failover drill: kill exit ${steps.kill-primary.exit_code}"] }
    }
  }
}

gameday "q4-resilience" {
  start     = "2026-12-05T09:00:00+01:00"
  scenarios = ["api-failover"]
  parallel  = true

  description  = "API failover with the platform team, before the holiday freeze."
  facilitator  = "Ada"
  participants = ["Grace", "Linus"]
}

notify "chat" {
  webhook = var.webhook
  format  = "slack"
  on      = ["finish"]
}
