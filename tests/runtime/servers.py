"""Servers the store tests need: a real redis-server and moto's DynamoDB server.

Each is started once per test session, on a free port on 127.0.0.1, the first time a
test asks for it, and stopped when the session ends. When the binary or package is
missing the asking test is skipped with a message naming it, unless
FAASGUARD_REQUIRE_SERVERS=1 (CI), where it fails instead.
"""

from __future__ import annotations

import atexit
import os
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from typing import Any, NoReturn

import pytest

REDIS_BINARY = os.environ.get("FAASGUARD_REDIS_SERVER", "/usr/bin/redis-server")
REQUIRE_ENV = "FAASGUARD_REQUIRE_SERVERS"
START_TIMEOUT = 15.0


def unavailable(message: str) -> NoReturn:
    if os.environ.get(REQUIRE_ENV) == "1":
        pytest.fail(f"{message} ({REQUIRE_ENV}=1)")
    pytest.skip(message)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class RedisServer:
    """redis-server without persistence (`--save "" --appendonly no`) in a temp dir."""

    def __init__(self) -> None:
        self.process: subprocess.Popen[bytes] | None = None
        self.port = 0
        self.tmp = ""

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        binary = REDIS_BINARY if os.path.exists(REDIS_BINARY) else shutil.which("redis-server")
        if not binary:
            unavailable(f"redis-server not found (looked for {REDIS_BINARY} and on PATH)")
        self.tmp = tempfile.mkdtemp(prefix="faasguard-redis-")
        for _ in range(3):  # the free port may be taken between probe and bind
            self.port = free_port()
            self.process = subprocess.Popen(
                [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
                 "--appendonly", "no", "--dir", self.tmp, "--daemonize", "no",
                 "--loglevel", "warning"],
                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            if self._wait_ready():
                return
            self.stop()
        unavailable("redis-server did not start")

    def _wait_ready(self) -> bool:
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process is None or self.process.poll() is not None:
                return False
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1) as sock:
                    sock.sendall(b"PING\r\n")
                    if sock.recv(16).startswith(b"+PONG"):
                        return True
            except OSError:
                time.sleep(0.02)
        return False

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.process is not None and self.process.stderr is not None:
            self.process.stderr.close()
        self.process = None
        if self.tmp:
            shutil.rmtree(self.tmp, ignore_errors=True)
            self.tmp = ""


class MotoServer:
    """moto's ThreadedMotoServer, one request at a time.

    Real DynamoDB applies a conditional write atomically per item; moto's server runs
    requests on parallel threads without a lock around its own check-and-write, so a
    concurrency test against it would measure moto. Serialising requests at the server
    keeps the race where it belongs: between clients, across the network, which is
    what a store without conditional writes would lose."""

    def __init__(self) -> None:
        self.server: Any = None
        self.endpoint = ""

    def start(self) -> None:
        try:
            from moto.server import ThreadedMotoServer
        except ImportError:
            unavailable("moto[server] is not installed (pip install 'moto[dynamodb,server]')")
        lock = threading.Lock()

        class Serialised(ThreadedMotoServer):  # type: ignore[misc]
            def _server_entry(self) -> None:
                from moto.moto_server.werkzeug_app import (
                    DomainDispatcherApplication,
                    MotoRequestHandler,
                    create_backend_app,
                )
                from werkzeug.serving import make_server

                app = DomainDispatcherApplication(create_backend_app)

                class Quiet(MotoRequestHandler):  # type: ignore[misc]
                    def log_request(self, *args: Any, **kwargs: Any) -> None:
                        return None

                def serialised(environ: Any, start_response: Any) -> Any:
                    with lock:
                        return list(app(environ, start_response))

                self._server = make_server(self._ip_address, self._port, serialised, True,
                                           request_handler=Quiet)
                self._server_ready_event.set()
                self._server.serve_forever()

        port = free_port()
        self.server = Serialised(ip_address="127.0.0.1", port=port, verbose=False)
        self.server.start()
        self.endpoint = f"http://127.0.0.1:{port}"

    def stop(self) -> None:
        if self.server is not None:
            self.server.stop()
            self.server = None


_redis: RedisServer | None = None
_moto: MotoServer | None = None
_start_lock = threading.Lock()


def redis_url() -> str:
    """The URL of this session's redis-server, started on first use."""
    global _redis
    with _start_lock:
        if _redis is None:
            try:
                import redis  # noqa: F401
            except ImportError:
                unavailable("the redis package is not installed "
                            "(pip install 'faasguard-runtime[redis]')")
            server = RedisServer()
            server.start()
            atexit.register(server.stop)
            _redis = server
        return _redis.url


def moto_endpoint() -> str:
    """The endpoint of this session's moto server, started on first use."""
    global _moto
    with _start_lock:
        if _moto is None:
            try:
                import boto3  # noqa: F401
            except ImportError:
                unavailable("boto3 is not installed (pip install 'faasguard-runtime[dynamodb]')")
            server = MotoServer()
            server.start()
            atexit.register(server.stop)
            _moto = server
        return _moto.endpoint


def aws_test_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Dummy credentials and region, so boto3 never reaches for real ones."""
    for name, value in (("AWS_ACCESS_KEY_ID", "testing"), ("AWS_SECRET_ACCESS_KEY", "testing"),
                        ("AWS_SESSION_TOKEN", "testing"), ("AWS_DEFAULT_REGION", "us-east-1"),
                        ("AWS_REGION", "us-east-1")):
        monkeypatch.setenv(name, value)
    for name in ("AWS_PROFILE", "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE"):
        monkeypatch.delenv(name, raising=False)


BACKENDS = ("memory", "sqlite", "dynamodb", "redis")


def store_url(kind: str, tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> str:
    """A URL for a fresh, empty store of `kind`: a new SQLite file, a new DynamoDB table
    on the moto server, or the redis-server's database emptied."""
    if kind == "memory":
        return "memory:"
    if kind == "sqlite":
        return f"sqlite:{tmp_path / 'tokens.db'}"
    if kind == "dynamodb":
        endpoint = moto_endpoint()
        aws_test_env(monkeypatch)
        from faasguard.runtime.stores.dynamodb import DynamoDBStore

        table = f"faasguard-{os.urandom(6).hex()}"
        DynamoDBStore(table, region="us-east-1", endpoint_url=endpoint).create_table()
        return f"dynamodb:{table}?region=us-east-1&endpoint={endpoint}"
    if kind == "redis":
        import redis

        url = redis_url()
        client = redis.Redis.from_url(url)
        client.flushdb()
        client.close()
        return url
    raise ValueError(kind)
