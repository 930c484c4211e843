# An endpoint with a path is refused with a message that quotes it; the
# secret key is hidden too.
endpoint   = "http://127.0.0.1:1/{{secret}}"
bucket     = "backups"
access_key = "AKIAEXAMPLE"
secret_key = "{{secret}}"
