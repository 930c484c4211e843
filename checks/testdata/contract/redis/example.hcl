address  = "127.0.0.1:6379"
password = "example"
db       = 0
command  = ["GET", "orders:last"]
tls      = false
timeout  = "2s"
