address = "127.0.0.1:5432"
timeout = "3s"
