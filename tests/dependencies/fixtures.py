"""A small shop project with tests of every pyramid level, for the dependencies analysis.

What each test does, and so the level and the record expected of it, is
read off the code below by hand (the module docstring of
``test_dependencies.py`` lists them). The servers bind port 0: no fixed port,
so the tests run side by side under xdist.
"""

from __future__ import annotations

SHOP: dict[str, str] = {
    "pyproject.toml": """
        [project]
        name = "shop"
        version = "0"

        [project.scripts]
        shop-check = "shop.__main__:main"

        [tool.pytest.ini_options]
        markers = ["e2e: end to end"]

        [tool.audit]
        packages = ["shop"]
        tests = ["tests"]
        analyses = ["dependencies"]

        [tool.audit.gate]
        modules_never_tested_for_real = 0
    """,
    "shop/__init__.py": "",
    "shop/pricing.py": """
        def total(prices, discount=0):
            return sum(prices) * (100 - discount) // 100
    """,
    "shop/store.py": """
        import sqlite3


        class Store:
            def __init__(self, path):
                self.conn = sqlite3.connect(path)
                self.conn.execute("CREATE TABLE IF NOT EXISTS items (name TEXT)")

            def add(self, name):
                with self.conn:
                    self.conn.execute("INSERT INTO items VALUES (?)", (name,))

            def names(self):
                return [row[0] for row in self.conn.execute("SELECT name FROM items")]
    """,
    "shop/client.py": """
        import urllib.request


        def fetch(url):
            with urllib.request.urlopen(url, timeout=10) as response:
                return response.read().decode()
    """,
    "shop/runner.py": """
        import subprocess


        def git_version():
            done = subprocess.run(["git", "--version"], capture_output=True, text=True)
            return done.stdout.strip()
    """,
    "shop/__main__.py": """
        import sys

        from shop.client import fetch


        def main():
            print(fetch(sys.argv[1]))


        if __name__ == "__main__":
            main()
    """,
    "tests/__init__.py": "",
    "tests/server.py": """
        import http.server
        import threading


        class Hello(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                body = b"hello"
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass


        def serve():
            server = http.server.HTTPServer(("127.0.0.1", 0), Hello)
            threading.Thread(target=server.serve_forever, daemon=True).start()
            return server
    """,
    "tests/test_pricing.py": """
        import tempfile

        import pytest

        from shop.pricing import total


        def test_total():
            with tempfile.TemporaryFile() as scratch:  # the temporary folder: not a real file
                scratch.write(b"135")
            assert total([100, 50], discount=10) == 135


        @pytest.mark.e2e
        def test_marked_end_to_end():
            assert total([1]) == 1
    """,
    "tests/test_store.py": """
        from shop.store import Store


        def test_roundtrip(tmp_path):
            store = Store(tmp_path / "shop.sqlite")
            store.add("apple")
            assert store.names() == ["apple"]
    """,
    "tests/test_client.py": """
        from shop.client import fetch
        from tests.server import serve


        def test_fetch_from_a_local_server():
            server = serve()
            try:
                assert fetch(f"http://127.0.0.1:{server.server_port}/") == "hello"
            finally:
                server.shutdown()
    """,
    "tests/test_cli.py": """
        import subprocess
        import sys

        from tests.server import serve


        def test_entry_point_against_a_local_server():
            server = serve()
            try:
                done = subprocess.run(
                    [sys.executable, "-m", "shop", f"http://127.0.0.1:{server.server_port}/"],
                    capture_output=True, text=True, timeout=60, check=True)
            finally:
                server.shutdown()
            assert done.stdout.strip() == "hello"
    """,
    "tests/test_export.py": """
        from pathlib import Path

        from shop.pricing import total


        def test_writes_a_price_list_into_the_project():
            out = Path("build")
            out.mkdir(exist_ok=True)
            (out / "prices.txt").write_text(str(total([3, 4])))
            assert (out / "prices.txt").read_text() == "7"
    """,
    "tests/test_runner.py": """
        from unittest import mock

        from shop import runner


        def test_git_version_patched():
            with mock.patch("shop.runner.subprocess.run") as run:
                run.return_value.stdout = "git version 9\\n"
                assert runner.git_version() == "git version 9"


        def test_git_version_monkeypatched(monkeypatch):
            class Done:
                stdout = "git version 8\\n"

            monkeypatch.setattr(runner.subprocess, "run", lambda *a, **k: Done())
            assert runner.git_version() == "git version 8"
    """,
}


# Every test of db.py and web.py has the dependency patched (mock.patch, and a
# patcher started in setup_module); tool.py has one patched test and one that
# runs a real subprocess.
FANTASY: dict[str, str] = {
    "pyproject.toml": """
        [project]
        name = "app"
        version = "0"

        [tool.audit]
        packages = ["app"]
        tests = ["tests"]
        analyses = ["dependencies"]

        [tool.audit.gate]
        modules_never_tested_for_real = 1
        no_regression = {"dependencies.modules_never_tested_for_real" = 0}
    """,
    "app/__init__.py": "",
    "app/db.py": """
        import sqlite3


        def count_rows(path, table):
            conn = sqlite3.connect(path)
            try:
                return conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
            finally:
                conn.close()
    """,
    "app/web.py": """
        from urllib import request


        def status_of(url):
            with request.urlopen(url, timeout=5) as response:
                return response.status
    """,
    "app/tool.py": """
        import subprocess


        def echo(text):
            return subprocess.run(["echo", text], capture_output=True, text=True).stdout.strip()
    """,
    "tests/__init__.py": "",
    "tests/test_db.py": """
        from unittest import mock

        from app.db import count_rows


        def test_count_rows():
            with mock.patch("app.db.sqlite3") as sqlite:
                sqlite.connect.return_value.execute.return_value.fetchone.return_value = (3,)
                assert count_rows("x.db", "items") == 3
    """,
    "tests/test_web.py": """
        from unittest import mock

        from app.web import status_of

        patcher = mock.patch("app.web.request.urlopen")


        def setup_module():
            opened = patcher.start()
            opened.return_value.__enter__.return_value.status = 204


        def teardown_module():
            patcher.stop()


        def test_status():
            assert status_of("http://example.invalid/") == 204
    """,
    "tests/test_tool.py": """
        from unittest import mock

        from app.tool import echo


        def test_echo_patched():
            with mock.patch("app.tool.subprocess.run") as run:
                run.return_value.stdout = "hi\\n"
                assert echo("hi") == "hi"


        def test_echo_for_real():
            assert echo("hello") == "hello"
    """,
}

# The same test of db.py against a real SQLite file: the fix of the mock fantasy.
REAL_DB_TEST = """
import sqlite3

from app.db import count_rows


def test_count_rows(tmp_path):
    path = tmp_path / "app.sqlite"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE items (name TEXT)")
        conn.executemany("INSERT INTO items VALUES (?)", [("a",), ("b",), ("c",)])
    assert count_rows(path, "items") == 3
"""
