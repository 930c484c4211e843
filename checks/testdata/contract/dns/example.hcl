name    = "orders.db.example.com"
type    = "A"
server  = "10.0.0.2:53"
tcp     = false
timeout = "2s"
