# DNS has no credentials; a name that is not a domain name (an empty label)
# fails with an error that quotes it.
name = "{{secret}}..example.com"
