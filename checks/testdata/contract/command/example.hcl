run     = ["pg_restore", "--list", "/var/backups/latest.dump"]
dir     = "/var/backups"
env     = { PGPASSFILE = "/etc/redrill/pgpass" }
timeout = "20m"
