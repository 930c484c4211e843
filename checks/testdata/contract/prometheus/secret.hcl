# The server answers with what it was sent; a password in the URL is hidden.
url   = "http://drill:{{secret}}@127.0.0.1:1"
query = "up"
