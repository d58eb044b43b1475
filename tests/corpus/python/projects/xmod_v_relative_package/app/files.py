import os

from .paths import upload_path


def remove_upload(key):
    os.remove(upload_path(key))  # expect: FG-INJ-006
