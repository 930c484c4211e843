# A server that accepts connections and never answers the handshake.
address = "{{hangingAddress}}"
