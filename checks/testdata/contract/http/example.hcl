url                  = "https://127.0.0.1:8443/health"
method               = "POST"
headers              = { Authorization = "Bearer example", Host = "app.internal" }
body                 = "{\"probe\": true}"
timeout              = "5s"
insecure_skip_verify = true
follow_redirects     = false
