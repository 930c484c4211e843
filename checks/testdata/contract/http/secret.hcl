# The echo server answers with the URL and the Authorization header it got.
url     = "{{echoURL}}/restore?token={{secret}}"
headers = { Authorization = "Bearer {{secret}}" }
