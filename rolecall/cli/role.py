"""``rolecall role``: role operations beyond the AWS CLI's."""

from __future__ import annotations

import contextlib
import json
import math
import os
import time
from datetime import datetime

import boto3
import typer

from .clock import ClockError, EndpointOption, call_clock

app = typer.Typer(help="Role operations.", no_args_is_help=True)

REVOKE_POLICY_NAME = "AWSRevokeOlderSessions"


def revoke_policy(issued_before: str) -> str:
    """The inline policy AWS's console attaches to revoke sessions issued before a time."""
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Deny",
                    "Action": ["*"],
                    "Resource": ["*"],
                    "Condition": {"DateLessThan": {"aws:TokenIssueTime": issued_before}},
                }
            ],
        }
    )


@app.command("revoke-sessions")
def revoke_sessions(
    role_name: str = typer.Argument(..., help="The role whose active sessions to revoke."),
    endpoint: str | None = EndpointOption,
) -> None:
    """Revoke every session of a role issued until now (AWS's AWSRevokeOlderSessions).

    Uses the IAM API (PutRolePolicy) with your credentials, so it is authorized and
    audited like any call.
    """
    url = endpoint or os.environ.get("AWS_ENDPOINT_URL") or "http://127.0.0.1:4599"
    now = time.time()
    # A server on a development clock revokes by its own notion of "now".
    with contextlib.suppress(ClockError):
        now = _parse_iso(str(call_clock(url, "Action=Get")["time"]))
    # The policy compares whole seconds: "before the next second" also revokes a
    # session issued earlier in this very second (AWS's console uses the current
    # second, which leaves those alive).
    cutoff = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(math.floor(now) + 1))
    iam = boto3.client("iam", endpoint_url=url)
    iam.put_role_policy(
        RoleName=role_name, PolicyName=REVOKE_POLICY_NAME, PolicyDocument=revoke_policy(cutoff)
    )
    typer.echo(f"Sessions of role {role_name} issued before {cutoff} are revoked.")


def _parse_iso(text: str) -> float:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()
