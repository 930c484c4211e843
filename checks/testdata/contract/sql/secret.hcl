# SQLite's error names the missing table; the argument is bound as well.
driver = "sqlite"
dsn    = "{{tempDir}}/contract.db"
query  = "SELECT token FROM {{secret}} WHERE token = ?"
args   = ["{{secret}}"]
