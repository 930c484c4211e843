scenario "durations" {
  timeout = "90 minutes"

  objective {
    rto = "fast"
    rpo = "0s"
  }

  recover {
    step "restore" {
      retry_every = "5"
      command {
        run     = ["true"]
        timeout = "1 hour"
      }
    }
  }

  recovered_when {
    every = "-1s"
    check "up" {
      tcp { address = "127.0.0.1:5432" }
    }
  }

  data_loss {
    file { path = "/var/backups/latest.dump" }
    newest_record = result.modified
  }
}
