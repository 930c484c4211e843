url   = "{{hangingURL}}"
query = "up"
