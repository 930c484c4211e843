# A server that reads queries and never replies, as one that drops them.
name   = "orders.db.example.com"
server = "{{silentUDPAddress}}"
