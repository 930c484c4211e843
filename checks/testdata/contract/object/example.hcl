endpoint   = "s3.eu-west-1.amazonaws.com"
region     = "eu-west-1"
bucket     = "backups"
prefix     = "orders/"
access_key = "AKIAEXAMPLE"
secret_key = "example"
tls        = true
timeout    = "10s"
