address = "127.0.0.1:50051"
service = "orders.v1.Orders"
timeout = "2s"
