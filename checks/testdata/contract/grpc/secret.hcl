# An address without a port is refused with a message that quotes it.
address = "127.0.0.1/{{secret}}"
