# The server accepts the connection and never answers the request.
endpoint = "http://{{silentAddress}}"
bucket   = "backups"
key      = "orders/latest.dump"
