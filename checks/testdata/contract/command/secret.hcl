# The secret reaches stdout, stderr and, by stderr's last line, the message.
run = ["sh", "-c", "echo token={{secret}}; echo bad token {{secret}} >&2; exit 3"]
