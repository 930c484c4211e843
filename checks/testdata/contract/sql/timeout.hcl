dsn   = "{{postgres}}"
query = "SELECT pg_sleep(30)"
