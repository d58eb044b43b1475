"""A tiny database helper shared by the handlers (SQLite so the demo runs anywhere)."""

import os
import sqlite3


def connect() -> sqlite3.Connection:
    return sqlite3.connect(os.environ.get("SHOP_DB_PATH", "/tmp/shop.db"))
