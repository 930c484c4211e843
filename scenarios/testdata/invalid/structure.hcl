scenario "nothing-to-recover" {
  steady_state {
    check "up" {
      tcp { address = "127.0.0.1:5432" }
    }
  }
}

scenario "rpo-without-data-loss" {
  objective {
    rto = "30m"
    rpo = "24h"
  }
  recover {
    step "restore" {
      command { run = ["true"] }
    }
  }
}

scenario "kinds" {
  recover {
    step "no-kind" {
      timeout = "5m"
    }
    step "two-kinds" {
      command { run = ["true"] }
      http { url = "http://127.0.0.1:8080/" }
    }
  }
  recovered_when {
    check "forever" {
      tcp { address = "127.0.0.1:5432" }
    }
  }
}

scenario "empty-phase" {
  disrupt {
  }
  recover {
    step "restore" {
      command { run = ["true"] }
    }
  }
}
