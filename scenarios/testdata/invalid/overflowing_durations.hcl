scenario "overflow" {
  timeout = "300000d"

  objective {
    rto = "Infd"
    rpo = "1e9d"
  }

  recover {
    step "restore" {
      retry_every = "106751d24h"
      command {
        run     = ["true"]
        timeout = "-2d"
      }
    }
  }

  recovered_when {
    every   = "1s"
    timeout = "3000000h"
    check "up" {
      tcp { address = "127.0.0.1:5432" }
    }
  }

  data_loss {
    file { path = "/var/backups/latest.dump" }
    newest_record = result.modified
  }
}
