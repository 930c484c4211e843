driver  = "postgres"
dsn     = "postgres://redrill:example@127.0.0.1:5432/orders?sslmode=disable"
query   = "SELECT count(*) FROM orders WHERE created_at > $1 AND note IS DISTINCT FROM $2"
args    = ["2026-11-25T03:00:00Z", null]
timeout = "30s"
