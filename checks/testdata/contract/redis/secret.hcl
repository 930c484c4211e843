# An address without a port is refused with a message that quotes it; the
# password is hidden too.
address  = "127.0.0.1/{{secret}}"
password = "{{secret}}"
