"""A generated, reproducible policy-evaluation workload.

Principals get 1, 10 or 50 attached identity policies of 5–20 statements each,
mixing exact and wildcard actions (``s3:Get*``), ARN patterns with wildcards,
a few policy variables, conditions (StringEquals, StringLike, IpAddress, Bool,
NumericLessThan, DateGreaterThan, ForAnyValue), NotAction/NotResource and Deny
statements.  Requests are drawn half from the actions the policies name (so they
exercise real matching and end allowed or denied) and half at random, each with a
request context whose values sometimes satisfy the conditions and sometimes not.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from typing import Any

ACCOUNT = "123456789012"
SERVICES = ("s3", "ec2", "iam", "dynamodb", "sqs", "sns", "lambda", "kms", "logs", "rds")
VERBS = ("Get", "List", "Put", "Delete", "Describe", "Create", "Update", "Tag")
NOUNS = (
    "Object",
    "Bucket",
    "Instance",
    "Role",
    "User",
    "Table",
    "Queue",
    "Topic",
    "Function",
    "Key",
)


@dataclass(frozen=True)
class Request:
    """One authorization request of the workload."""

    action: str
    resource: str
    context: dict[str, Any]


def _resource(rng: random.Random, service: str) -> str:
    n = rng.randint(0, 9)
    return {
        "s3": f"arn:aws:s3:::bucket{n}/data/{rng.randint(0, 99)}.csv",
        "dynamodb": f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/t{n}",
        "iam": f"arn:aws:iam::{ACCOUNT}:user/team{n}/u{rng.randint(0, 9)}",
        "sqs": f"arn:aws:sqs:us-east-1:{ACCOUNT}:queue{n}",
        "lambda": f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:f{n}",
    }.get(service, f"arn:aws:{service}:us-east-1:{ACCOUNT}:thing/{n}")


def _resource_pattern(rng: random.Random, service: str) -> str:
    n = rng.randint(0, 9)
    r = rng.random()
    if r < 0.25:
        return "*"
    if r < 0.30:
        return f"arn:aws:iam::{ACCOUNT}:user/${{aws:username}}"
    return {
        "s3": rng.choice([f"arn:aws:s3:::bucket{n}/*", f"arn:aws:s3:::bucket{n}/data/?.csv"]),
        "dynamodb": rng.choice(
            [f"arn:aws:dynamodb:*:{ACCOUNT}:table/t{n}", "arn:aws:dynamodb:us-east-1:*:table/*"]
        ),
        "iam": f"arn:aws:iam::{ACCOUNT}:user/team{n}/*",
        "sqs": f"arn:aws:sqs:*:{ACCOUNT}:queue{n}",
        "lambda": f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:f{n}*",
    }.get(service, f"arn:aws:{service}:*:{ACCOUNT}:*")


def _condition(rng: random.Random) -> dict[str, Any] | None:
    r = rng.random()
    if r < 0.55:
        return None
    choices: list[dict[str, Any]] = [
        {"StringEquals": {"aws:RequestedRegion": ["us-east-1", "eu-west-1"]}},
        {"IpAddress": {"aws:SourceIp": ["10.0.0.0/8", "192.168.0.0/16"]}},
        {"Bool": {"aws:MultiFactorAuthPresent": "true"}},
        {"NumericLessThan": {"aws:MultiFactorAuthAge": "3600"}},
        {"StringLike": {"aws:PrincipalTag/team": ["data-*", "ml-*"]}},
        {"DateGreaterThan": {"aws:CurrentTime": "2020-01-01T00:00:00Z"}},
        {"ForAnyValue:StringEquals": {"aws:TagKeys": ["env", "owner"]}},
        {"StringNotEquals": {"aws:PrincipalTag/team": "contractors"}},
    ]
    return rng.choice(choices)


def _statement(rng: random.Random, i: int) -> dict[str, Any]:
    service = rng.choice(SERVICES)
    actions = []
    for _ in range(rng.randint(1, 5)):
        if rng.random() < 0.7:
            actions.append(f"{service}:{rng.choice(VERBS)}{rng.choice(NOUNS)}")
        else:
            actions.append(f"{service}:{rng.choice(VERBS)}*")
    deny = rng.random() < 0.15
    st: dict[str, Any] = {"Sid": f"S{i}", "Effect": "Deny" if deny else "Allow"}
    st["NotAction" if rng.random() < 0.03 else "Action"] = actions
    resources = [_resource_pattern(rng, service) for _ in range(rng.randint(1, 3))]
    condition = _condition(rng)
    if deny:
        # Guard-rail denies are narrow: a condition, or specific resources.
        resources = [r for r in resources if r != "*"] or [_resource(rng, service)]
    st["NotResource" if rng.random() < 0.03 else "Resource"] = resources
    if condition:
        st["Condition"] = condition
    return st


def policy_documents(rng: random.Random, count: int) -> list[str]:
    """``count`` policy documents of 5–20 statements each."""
    return [
        json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [_statement(rng, i) for i in range(rng.randint(5, 20))],
            }
        )
        for _ in range(count)
    ]


def _context(rng: random.Random) -> dict[str, Any]:
    ctx: dict[str, Any] = {
        "aws:username": f"u{rng.randint(0, 9)}",
        "aws:RequestedRegion": rng.choice(["us-east-1", "eu-west-1", "ap-south-1"]),
        "aws:SourceIp": rng.choice(["10.1.2.3", "192.168.7.7", "203.0.113.9", "2001:db8::1"]),
        "aws:MultiFactorAuthPresent": rng.choice(["true", "false"]),
        "aws:CurrentTime": "2026-11-23T10:00:00Z",
        "aws:PrincipalTag/team": rng.choice(["data-eng", "ml-ops", "contractors", "web"]),
    }
    if ctx["aws:MultiFactorAuthPresent"] == "true":
        ctx["aws:MultiFactorAuthAge"] = str(rng.randint(0, 7200))
    if rng.random() < 0.5:
        ctx["aws:TagKeys"] = rng.sample(["env", "owner", "cost", "app"], rng.randint(1, 3))
    return ctx


def requests(rng: random.Random, documents: list[str], count: int) -> list[Request]:
    """``count`` requests, half aimed at what the documents name, half random."""
    named: list[str] = []
    for doc in documents:
        for st in json.loads(doc)["Statement"]:
            named.extend(a.replace("*", "Thing") for a in st.get("Action", []))
    out = []
    for _ in range(count):
        if named and rng.random() < 0.5:
            action = rng.choice(named)
        else:
            action = f"{rng.choice(SERVICES)}:{rng.choice(VERBS)}{rng.choice(NOUNS)}"
        service = action.split(":", 1)[0]
        out.append(Request(action, _resource(rng, service), _context(rng)))
    return out
