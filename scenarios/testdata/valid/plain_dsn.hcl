# Passwords written in DSNs and URLs that are not sensitive variables still
# read (sensitive) in a plan.
variable "reader_dsn" {
  default = "postgres://reader:PlainPass@db:5432/orders?sslmode=disable"
}

scenario "replica-catches-up" {
  postmortem {
    title = "Replica lagged for hours"
    url   = "https://viewer:WikiPass@wiki.example.com/pm/7"
  }

  recovered_when {
    every   = "5s"
    timeout = "10m"
    check "replica-answers" {
      sql {
        dsn   = var.reader_dsn
        query = "SELECT 1"
      }
    }
    check "dashboard" {
      http {
        url     = "https://ops:HttpPass@grafana.example.com/api/health"
        headers = { Referer = "https://ops:HeaderPass@grafana.example.com/" }
      }
      assert {
        condition     = result.status == 200
        error_message = "grafana at https://ops:AssertPass@grafana.example.com is down"
      }
    }
  }
}

notify "ops" {
  webhook = "https://hook:HookPass@hooks.example.com/services/T0"
  on      = ["finish"]
}
