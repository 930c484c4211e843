scenario "bad-labels" {
  runner {
    labels = { "1site" = "eu-west", hw = "" }
  }
  recover {
    step "restore" {
      command { run = ["true"] }
    }
  }
}

scenario "no-labels" {
  runner {
    labels = {}
  }
  recover {
    step "restore" {
      command { run = ["true"] }
    }
  }
}

scenario "labels-not-a-map" {
  runner {
    labels = ["site=eu-west"]
  }
  runner {
    labels = { site = "eu-west" }
  }
  recover {
    step "restore" {
      command { run = ["true"] }
    }
  }
}

gameday "nowhere" {
  start     = "2030-01-01T09:00:00Z"
  scenarios = ["bad-labels"]
  runner {
    labels = { site = "eu-west" }
  }
  runner {
    labels = { site = "us-east" }
  }
}
