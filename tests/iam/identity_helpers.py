"""Shared helpers of the group, login-profile, account and report tests."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

AWS = str(Path(sys.executable).parent / "aws")


def error_of(exc: pytest.ExceptionInfo[ClientError]) -> tuple[str, str, int]:
    """(code, message, HTTP status) of a client error."""
    err = exc.value.response["Error"]
    return (
        err["Code"],
        err.get("Message", ""),
        exc.value.response["ResponseMetadata"]["HTTPStatusCode"],
    )


def policy(*statements: dict[str, Any]) -> str:
    """A policy document of ``statements``."""
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def allow(action: str | list[str], resource: str | list[str] = "*") -> dict[str, Any]:
    """An Allow statement."""
    return {"Effect": "Allow", "Action": action, "Resource": resource}


def user_client(iam: Any, account: Any, name: str, *statements: dict[str, Any]) -> Any:
    """A new user with an inline policy of ``statements``, and an IAM client signed as it."""
    iam.create_user(UserName=name)
    if statements:
        iam.put_user_policy(UserName=name, PolicyName="inline", PolicyDocument=policy(*statements))
    key = iam.create_access_key(UserName=name)["AccessKey"]
    return account.client("iam", key["AccessKeyId"], key["SecretAccessKey"])


def aws_cli(account: Any, *args: str) -> subprocess.CompletedProcess[str]:
    """Run ``aws ...`` against the server with the account's root credentials."""
    env = {
        **os.environ,
        "AWS_ACCESS_KEY_ID": account.access_key_id,
        "AWS_SECRET_ACCESS_KEY": account.secret_access_key,
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        "AWS_PAGER": "",
    }
    env.pop("AWS_SESSION_TOKEN", None)
    env.pop("AWS_PROFILE", None)
    return subprocess.run(
        [AWS, *args, "--endpoint-url", account.server.endpoint, "--output", "json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
