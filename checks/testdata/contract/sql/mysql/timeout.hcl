# The server accepts the connection and never sends its greeting.
driver = "mysql"
dsn    = "root@tcp({{silentAddress}})/test"
query  = "SELECT 1"
