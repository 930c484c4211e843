path = "/var/backups/latest.dump"
