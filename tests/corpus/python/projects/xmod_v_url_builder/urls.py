def service_url(region):
    return "http://" + region + ".internal.example/status"
