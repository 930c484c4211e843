# The server accepts the connection and never answers the PING.
address = "{{silentAddress}}"
