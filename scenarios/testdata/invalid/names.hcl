scenario "" {
  recover {
    step "drop scratch" {
      command { run = ["true"] }
    }
  }
}

gameday "q4 game day" {
  start     = "2026-12-05T09:00:00Z"
  scenarios = [""]
}
