scenario "orders-db-restore" {
  recover {
    step "restore" {
      command { run = ["true"] }
    }
  }
}

gameday "q4" {
  start     = "2026-12-05 09:00"
  scenarios = ["orders-db-restor", "payments"]
}

notify "chat" {
  webhook = "hooks.example.com/redrill"
  format  = "teams"
  on      = ["start", "failure"]
}

gameday "twice" {
  start     = "2026-12-05T09:00:00Z"
  scenarios = ["orders-db-restore", "orders-db-restore"]
}
