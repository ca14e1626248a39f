"""Fixtures for tests that drive a real rolecall server over HTTP.

A server is started once per test session and backend (SQLite and PostgreSQL; set
``ROLECALL_TEST_BACKENDS=sqlite`` to run one) as a separate process, exactly as a
user starts it.  Each test gets a fresh account of its own in that server, created
through the store the server uses, so tests never see each other's entities.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import boto3
import pytest
from botocore.config import Config

from rolecall.crypto.keyring import Keyring, parse_entries
from rolecall.iam.accounts import create_account
from rolecall.store.engine import Store

# A fixed test-only master key, shared by the server process and the tests.
TEST_MASTER_KEYS = "test:" + "dGVzdC1vbmx5LW1hc3Rlci1rZXktMzItYnl0ZXMhISE="
PG_ADMIN_URL = os.environ.get("ROLECALL_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
BACKENDS = [
    b for b in os.environ.get("ROLECALL_TEST_BACKENDS", "sqlite,postgresql").split(",") if b
]
REGION = "us-east-1"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for_port(port: int, proc: subprocess.Popen[bytes], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("server did not start listening")


@dataclass
class Server:
    """A running rolecall server."""

    backend: str
    endpoint: str
    database_url: str
    data_dir: Path
    keyring: Keyring
    log: Path

    def store(self) -> Store:
        return Store(self.database_url)


@dataclass
class Account:
    """A fresh account with root credentials, on a running server."""

    server: Server
    id: str
    access_key_id: str
    secret_access_key: str

    def client(  # type: ignore[no-untyped-def]
        self,
        service: str,
        key: str | None = None,
        secret: str | None = None,
        token: str | None = None,
        *,
        validate: bool = True,
    ):
        key, secret = key or self.access_key_id, secret or self.secret_access_key
        return make_client(self.server, service, key, secret, token, validate)


def make_client(  # type: ignore[no-untyped-def]
    server: Server,
    service: str,
    key: str,
    secret: str,
    token: str | None = None,
    validate: bool = True,
):
    """A boto3 client for the server (``validate=False`` lets bad input reach the server)."""
    return boto3.client(
        service,
        endpoint_url=server.endpoint,
        region_name=REGION,
        aws_access_key_id=key,
        aws_secret_access_key=secret,
        aws_session_token=token,
        config=Config(
            retries={"max_attempts": 1},
            connect_timeout=5,
            read_timeout=30,
            parameter_validation=validate,
        ),
    )


def _pg_database() -> tuple[str, str]:
    name = f"rolecall_test_{uuid.uuid4().hex[:12]}"
    subprocess.run(
        ["psql", PG_ADMIN_URL, "-q", "-c", f"CREATE DATABASE {name}"],
        check=True,
        capture_output=True,
    )
    base = PG_ADMIN_URL.rsplit("/", 1)[0]
    return name, f"{base}/{name}"


def _drop_pg_database(name: str) -> None:
    subprocess.run(
        ["psql", PG_ADMIN_URL, "-q", "-c", f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"],
        check=False,
        capture_output=True,
    )


@contextlib.contextmanager
def running_server(backend: str, data_dir: Path, *extra: str) -> Iterator[Server]:
    """Start ``rolecall serve`` as a separate process and stop it afterwards."""
    pg_name = None
    if backend == "postgresql":
        pg_name, url = _pg_database()
    else:
        url = f"sqlite:///{data_dir / 'rolecall.db'}"
    port = free_port()
    log = data_dir / "server.log"
    env = {**os.environ, "ROLECALL_MASTER_KEYS": TEST_MASTER_KEYS}
    cmd = [
        sys.executable,
        "-m",
        "rolecall",
        "serve",
        "--port",
        str(port),
        "--data-dir",
        str(data_dir),
        *extra,
    ]
    if backend == "postgresql":
        cmd += ["--database", url]
    with open(log, "wb") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, env=env)
    try:
        wait_for_port(port, proc)
        yield Server(
            backend,
            f"http://127.0.0.1:{port}",
            url,
            data_dir,
            Keyring(parse_entries(TEST_MASTER_KEYS)),
            log,
        )
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
        if pg_name:
            _drop_pg_database(pg_name)


@pytest.fixture(scope="session", params=BACKENDS)
def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Server]:
    backend: str = request.param
    with running_server(
        backend, tmp_path_factory.mktemp(f"rolecall-{backend}"), "--dev-clock"
    ) as srv:
        yield srv


@pytest.fixture(scope="session")
def server_store(server: Server) -> Iterator[Store]:
    store = server.store()
    yield store
    store.dispose()


@pytest.fixture
def account(server: Server, server_store: Store) -> Account:
    root = create_account(server_store, server.keyring, name=f"test-{uuid.uuid4().hex[:8]}")
    return Account(server, root.account_id, root.access_key_id, root.secret_access_key)


@pytest.fixture
def iam(account: Account):  # type: ignore[no-untyped-def]
    return account.client("iam")


@pytest.fixture
def sts(account: Account):  # type: ignore[no-untyped-def]
    return account.client("sts")
