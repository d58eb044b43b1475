UPLOAD_ROOT = "/tmp/uploads"


def upload_path(key):
    return f"{UPLOAD_ROOT}/{key}"
