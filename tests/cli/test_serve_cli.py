"""``rolecall serve`` start-up, ``--bootstrap``, ``--write-profile`` and ``rolecall account create``."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import boto3
import yaml
from conftest import TEST_MASTER_KEYS, free_port, running_server  # type: ignore[import-not-found]

ROOT = ("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMIK7MDENGbPxRfiCYEXAMPLEKEY")
TRUST = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"Service": "ec2.amazonaws.com"},
            "Action": "sts:AssumeRole",
        }
    ],
}


def rolecall(*args: str, home: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "ROLECALL_MASTER_KEYS": TEST_MASTER_KEYS}
    if home is not None:
        env["HOME"] = str(home)
    return subprocess.run(
        [sys.executable, "-m", "rolecall", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_bootstrap_is_applied_and_idempotent(tmp_path: Path) -> None:
    doc = {
        "accounts": [
            {
                "id": "111122223333",
                "name": "lab",
                "root_access_key_id": ROOT[0],
                "root_secret_access_key": ROOT[1],
                "policies": [
                    {
                        "name": "ReadIam",
                        "document": {
                            "Version": "2012-10-17",
                            "Statement": [
                                {"Effect": "Allow", "Action": "iam:Get*", "Resource": "*"}
                            ],
                        },
                    }
                ],
                "groups": [
                    {
                        "name": "devs",
                        "managed_policies": ["arn:aws:iam::111122223333:policy/ReadIam"],
                    }
                ],
                "users": [
                    {
                        "name": "alice",
                        "groups": ["devs"],
                        "tags": {"team": "data"},
                        "access_keys": [
                            {
                                "id": "AKIAALICEEXAMPLEKEY1",
                                "secret": "aliceSecretKeyExampleAliceSecretKey12345",
                            }
                        ],
                    }
                ],
                "roles": [
                    {
                        "name": "Deployer",
                        "trust_policy": TRUST,
                        "managed_policies": ["arn:aws:iam::aws:policy/ReadOnlyAccess"],
                    }
                ],
            }
        ]
    }
    boot = tmp_path / "boot.yaml"
    boot.write_text(yaml.safe_dump(doc))
    for _ in range(2):  # the second start applies the same file again
        with running_server(
            "sqlite", tmp_path, "--bootstrap", str(boot), "--account-id", "111122223333"
        ) as server:
            iam = boto3.client(
                "iam",
                endpoint_url=server.endpoint,
                region_name="us-east-1",
                aws_access_key_id=ROOT[0],
                aws_secret_access_key=ROOT[1],
            )
            assert [u["UserName"] for u in iam.list_users()["Users"]] == ["alice"]
            assert [
                g["GroupName"] for g in iam.list_groups_for_user(UserName="alice")["Groups"]
            ] == ["devs"]
            assert len(iam.list_policies(Scope="Local")["Policies"]) == 1
            assert (
                iam.list_attached_role_policies(RoleName="Deployer")["AttachedPolicies"][0][
                    "PolicyName"
                ]
                == "ReadOnlyAccess"
            )
            alice = boto3.client(
                "iam",
                endpoint_url=server.endpoint,
                region_name="us-east-1",
                aws_access_key_id="AKIAALICEEXAMPLEKEY1",
                aws_secret_access_key="aliceSecretKeyExampleAliceSecretKey12345",
            )
            assert alice.get_user()["User"]["Tags"] == [{"Key": "team", "Value": "data"}]


def test_bad_bootstrap_is_a_clean_error(tmp_path: Path) -> None:
    boot = tmp_path / "boot.json"
    boot.write_text(
        json.dumps(
            {
                "accounts": [
                    {
                        "id": "111122223333",
                        "roles": [{"name": "R", "trust_policy": {"Statement": 1}}],
                    }
                ]
            }
        )
    )
    out = rolecall(
        "serve", "--data-dir", str(tmp_path), "--port", str(free_port()), "--bootstrap", str(boot)
    )
    assert out.returncode == 1
    assert "MalformedPolicyDocument" in out.stderr and "Traceback" not in out.stderr


def test_first_start_prints_credentials_and_writes_profile(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    data = tmp_path / "data"
    port = free_port()
    env = {**os.environ, "ROLECALL_MASTER_KEYS": TEST_MASTER_KEYS, "HOME": str(home)}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "rolecall",
            "serve",
            "--data-dir",
            str(data),
            "--port",
            str(port),
            "--write-profile",
            "rc",
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        lines = [proc.stdout.readline() for _ in range(7)]  # type: ignore[union-attr]
    finally:
        proc.terminate()
        proc.wait(timeout=15)
    text = "".join(lines)
    assert "Created account 123456789012" in text
    assert f"export AWS_ENDPOINT_URL=http://127.0.0.1:{port}" in text
    assert "export AWS_ACCESS_KEY_ID=AKIA" in text and "export AWS_SECRET_ACCESS_KEY=" in text
    credentials = (home / ".aws" / "credentials").read_text()
    assert "[rc]" in credentials and "aws_secret_access_key" in credentials
    assert oct((home / ".aws" / "credentials").stat().st_mode & 0o777) == "0o600"
    assert "endpoint_url" in (home / ".aws" / "config").read_text()


def test_account_create_while_server_runs(tmp_path: Path) -> None:
    with running_server("sqlite", tmp_path) as server:
        out = rolecall(
            "account",
            "create",
            "--name",
            "team-b",
            "--data-dir",
            str(tmp_path),
            "--endpoint",
            server.endpoint,
        )
        assert out.returncode == 0, out.stderr
        env = dict(
            line.removeprefix("export ").split("=", 1)
            for line in out.stdout.splitlines()
            if line.startswith("export ")
        )
        sts = boto3.client(
            "sts",
            endpoint_url=env["AWS_ENDPOINT_URL"],
            region_name="us-east-1",
            aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"],
        )
        identity = sts.get_caller_identity()
        assert identity["Arn"] == f"arn:aws:iam::{identity['Account']}:root"
        assert identity["Account"] != "123456789012"
        again = rolecall(
            "account",
            "create",
            "--name",
            "dup",
            "--id",
            identity["Account"],
            "--data-dir",
            str(tmp_path),
        )
        assert again.returncode == 1 and "already exists" in again.stderr


def test_master_key_file_is_private(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "ROLECALL_MASTER_KEYS"}
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "rolecall",
            "account",
            "create",
            "--name",
            "x",
            "--data-dir",
            str(tmp_path),
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr
    key = tmp_path / "master.key"
    assert oct(key.stat().st_mode & 0o777) == "0o600"
    secret = out.stdout.split("AWS_SECRET_ACCESS_KEY=")[1].split()[0]
    for path in tmp_path.iterdir():  # the database, its WAL: nowhere in clear
        if path.name != "master.key":
            assert secret.encode() not in path.read_bytes(), path
