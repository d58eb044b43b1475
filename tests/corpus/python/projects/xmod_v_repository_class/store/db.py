import os

import pymysql


class Repository:
    def __init__(self):
        self.conn = pymysql.connect(host=os.environ["DB_HOST"], user="app", database="shop")

    def find_by_name(self, name):
        return self._query(f"SELECT id FROM products WHERE name = '{name}' LIMIT 10")

    def _query(self, sql):
        with self.conn.cursor() as cur:
            cur.execute(sql)  # expect: FG-INJ-004
            return cur.fetchall()
