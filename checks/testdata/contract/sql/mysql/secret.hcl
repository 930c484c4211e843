# MariaDB's error names the missing table ("Table 'db.…' doesn't exist").
driver = "mysql"
dsn    = "{{mysql}}"
query  = "SELECT token FROM {{secret}}"
