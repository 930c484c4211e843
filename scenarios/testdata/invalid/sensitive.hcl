variable "token" {
  default   = "s3cr3t-token"
  sensitive = true
}

scenario "leaky" {
  owner   = var.token
  tags    = ["tier-1", var.token]
  timeout = var.token

  recover {
    step "probe" {
      http {
        url    = "http://127.0.0.1:8080/health"
        method = var.token
      }
    }
  }
}

notify "chat" {
  webhook = "https://hooks.example.com/${var.token}"
  on      = []
}
