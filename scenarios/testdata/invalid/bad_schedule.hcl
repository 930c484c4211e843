scenario "weekly" {
  schedule {
    cron     = "61 3 * * SAT"
    timezone = "Mars/Olympus_Mons"
  }
  recover {
    step "restore" {
      command { run = ["true"] }
    }
  }
}

scenario "prefixed" {
  schedule {
    cron = "CRON_TZ=Europe/Paris 0 3 * * *"
  }
  recover {
    step "restore" {
      command { run = ["true"] }
    }
  }
}

scenario "too-many-fields" {
  schedule {
    cron = "0 0 3 * * SAT 2026"
  }
  recover {
    step "restore" {
      command { run = ["true"] }
    }
  }
}
