variable "team" {
  default = "db-team"
}

locals {
  rto = "30m"
}

scenario "restore" {
  description = "Restore for ${var.teem}"
  owner       = var.owner
  timeout     = local.drill_timeout

  objective {
    rto = local.rt0
  }

  schedule {
    cron     = var.cron
    timezone = local.zone
  }

  recover {
    step "restore" {
      timeout = var.restore_timeout
      command { run = ["true"] }
    }
  }
}

gameday "q4" {
  start     = var.gameday_start
  scenarios = [local.first]
}

notify "ops" {
  webhook = var.webhok
  format  = local.format
  on      = var.events
}
