scenario "types" {
  tags    = "postgres"
  timeout = 30

  recover {
    step "restore" {
      retries = "many"
      command {
        run = "pg_restore /backups/latest.dump"
      }
    }
    step "probe" {
      http {
        url                  = "http://127.0.0.1:8080/health"
        insecure_skip_verify = "sometimes"
        method               = "FETCH"
      }
    }
  }
}

gameday "attributes" {
  start        = "2026-12-05T09:00:00Z"
  scenarios    = ["types"]
  facilitator  = ["Ada", "Grace"]
  participants = "Linus"
}
