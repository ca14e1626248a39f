"""``rolecall role``: role operations beyond the AWS CLI's."""

from __future__ import annotations

import contextlib
import json
import os
import time

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
    now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    # A server on a development clock revokes by its own notion of "now".
    with contextlib.suppress(ClockError):
        now = str(call_clock(url, "Action=Get")["time"])
    iam = boto3.client("iam", endpoint_url=url)
    iam.put_role_policy(
        RoleName=role_name, PolicyName=REVOKE_POLICY_NAME, PolicyDocument=revoke_policy(now)
    )
    typer.echo(f"Sessions of role {role_name} issued before {now} are revoked.")
