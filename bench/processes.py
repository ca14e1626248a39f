"""Start and stop the servers a benchmark compares: rolecall, a bare ASGI app, moto_server."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import yaml

ACCOUNT = "123456789012"
ROOT_KEY = ("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMIK7MDENGbPxRfiCYEXAMPLEKEY")
USER_KEY = ("AKIABENCHUSERKEY0001", "benchUserSecretKeyForRolecallBench00001")
#: A second account for the write workload (the first holds the 1,000-role quota).
WRITE_ACCOUNT = "222233334444"
WRITER_KEY = ("AKIABENCHWRITERKEY01", "benchWriterSecretKeyForRolecallBench0001")


def free_port() -> int:
    """An unused local TCP port."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_port(port: int, proc: subprocess.Popen[bytes], timeout: float = 120) -> None:
    """Wait until something listens on ``port`` (or the process died)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"process exited with {proc.returncode}")
        with (
            contextlib.suppress(OSError),
            socket.create_connection(("127.0.0.1", port), timeout=0.2),
        ):
            return
        time.sleep(0.05)
    raise RuntimeError(f"nothing listens on {port}")


@contextlib.contextmanager
def process(cmd: list[str], port: int, env: dict[str, str] | None = None) -> Iterator[str]:
    """Run ``cmd`` (listening on ``port``); yields its URL."""
    log = tempfile.NamedTemporaryFile(prefix="bench-", suffix=".log", delete=False)  # noqa: SIM115
    proc = subprocess.Popen(
        cmd, stdout=log, stderr=subprocess.STDOUT, env={**os.environ, **(env or {})}
    )
    try:
        wait_port(port, proc)
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


def bootstrap_document(roles: int) -> dict[str, object]:
    """An account with a user allowed iam:* and sts:*, a role it may assume, and ``roles`` more."""
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:user/bench"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
    allow = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": ["iam:*", "sts:*"], "Resource": "*"}],
    }
    return {
        "accounts": [
            {
                "id": ACCOUNT,
                "name": "bench",
                "root_access_key_id": ROOT_KEY[0],
                "root_secret_access_key": ROOT_KEY[1],
                "users": [
                    {
                        "name": "bench",
                        "inline_policies": {"all": allow},
                        "access_keys": [{"id": USER_KEY[0], "secret": USER_KEY[1]}],
                    }
                ],
                "roles": [
                    {"name": "BenchRole", "trust_policy": trust, "inline_policies": {"all": allow}}
                ]
                + [{"name": f"role-{i:04d}", "trust_policy": trust} for i in range(roles)],
            },
            {
                "id": WRITE_ACCOUNT,
                "name": "bench-writes",
                "users": [
                    {
                        "name": "writer",
                        "inline_policies": {"all": allow},
                        "access_keys": [{"id": WRITER_KEY[0], "secret": WRITER_KEY[1]}],
                    }
                ],
            },
        ]
    }


@contextlib.contextmanager
def rolecall(workdir: Path, roles: int = 0) -> Iterator[str]:
    """A rolecall server (one worker, SQLite) bootstrapped for the benchmarks."""
    boot = workdir / "bootstrap.yaml"
    boot.write_text(yaml.safe_dump(bootstrap_document(roles)))
    port = free_port()
    cmd = [
        sys.executable,
        "-m",
        "rolecall",
        "serve",
        "--port",
        str(port),
        "--data-dir",
        str(workdir / "data"),
        "--bootstrap",
        str(boot),
        "--account-id",
        ACCOUNT,
    ]
    with process(cmd, port) as url:
        yield url


@contextlib.contextmanager
def hello(work_us: int | None = None) -> Iterator[str]:
    """The bare ASGI app under stock uvicorn, with rolecall's server settings.

    With ``work_us``, the calibration app instead (:mod:`bench.fixed_cost`): the
    same, plus that many microseconds of CPU work per request.
    """
    port = free_port()
    cmd = [
        sys.executable,
        "-m",
        "uvicorn",
        "bench.hello:app" if work_us is None else "bench.fixed_cost:app",
        "--port",
        str(port),
        "--log-level",
        "warning",
        "--no-access-log",
        "--no-proxy-headers",
    ]
    env = {"BENCH_WORK_US": str(work_us)} if work_us is not None else None
    with process(cmd, port, env) as url:
        yield url


@contextlib.contextmanager
def hello_coalescing() -> Iterator[str]:
    """The bare ASGI app on rolecall's HTTP protocol (:mod:`bench.serve_hello`)."""
    port = free_port()
    with process([sys.executable, "-m", "bench.serve_hello", str(port)], port) as url:
        yield url


@contextlib.contextmanager
def moto() -> Iterator[str]:
    """moto_server (moto's stand-alone mock server)."""
    port = free_port()
    with process([sys.executable, "-m", "moto.server", "-p", str(port)], port) as url:
        yield url
