run = ["sleep", "30"]
