address = "{{hangingAddress}}"
