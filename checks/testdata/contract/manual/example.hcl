instructions = "Promote the replica in eu-west-2 and confirm"
timeout      = "30m"
