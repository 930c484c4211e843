scenario "typos" {
  descripton = "restore the orders database"
  timeout    = "1h"

  recovr {
  }

  recover {
    step "restore" {
      command {
        run     = ["true"]
        timout  = "5m"
      }
    }
  }
}
