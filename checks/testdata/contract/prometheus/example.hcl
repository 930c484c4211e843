url     = "http://127.0.0.1:9090"
query   = "sum(rate(http_requests_total{code=~\"5..\"}[5m])) / sum(rate(http_requests_total[5m]))"
timeout = "5s"
