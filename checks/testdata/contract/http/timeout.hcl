url = "{{hangingURL}}"
