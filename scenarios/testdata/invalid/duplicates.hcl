variable "dump" {
  default = "/var/backups/latest.dump"
}

variable "dump" {
  default = "/var/backups/other.dump"
}

scenario "restore" {
  steady_state {
    check "dump" {
      file { path = var.dump }
    }
  }
  recover {
    step "dump" {
      command { run = ["true"] }
    }
    step "load" {
      command { run = ["true"] }
    }
    step "load" {
      command { run = ["true"] }
    }
  }
  objective {
    rto = "1h"
  }
  objective {
    rto = "2h"
  }
}

scenario "restore" {
  recover {
    step "x" {
      command { run = ["true"] }
    }
  }
}
