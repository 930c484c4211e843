# The instructions come back in the result, the secret hidden.
instructions = "Log in with {{secret}} and promote the replica"
timeout      = "100ms"
