"""The AWS managed policies, shipped inside the package.

``rolecall/data/aws-managed-policies.json.gz`` holds the real documents (a
snapshot of AWS's published managed policies); they are read once, lazily, and
compiled on first use like any other policy.
"""

from __future__ import annotations

import gzip
import json
import threading
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from importlib import resources

AWS_POLICY_PREFIX = "arn:aws:iam::aws:policy"


@dataclass(frozen=True, slots=True)
class AwsManagedPolicy:
    """One AWS managed policy as AWS publishes it."""

    name: str
    policy_id: str
    arn: str
    path: str
    default_version: str
    created_at: datetime
    updated_at: datetime
    document: str


class Catalog:
    """AWS managed policies by ARN (and in AWS's listing order)."""

    def __init__(self, policies: list[AwsManagedPolicy]) -> None:
        self.policies = sorted(policies, key=lambda p: p.name.lower())
        self.by_arn = {p.arn: p for p in self.policies}

    def get(self, arn: str) -> AwsManagedPolicy | None:
        """The policy with that ARN, if AWS manages one."""
        return self.by_arn.get(arn)

    @staticmethod
    def is_aws_arn(arn: str) -> bool:
        """Whether an ARN names an AWS managed policy (``arn:aws:iam::aws:policy/...``)."""
        return arn.startswith(AWS_POLICY_PREFIX + "/")


_lock = threading.Lock()


@cache
def load_catalog() -> Catalog:
    """The packaged catalog (read once per process)."""
    with _lock:
        raw = resources.files("rolecall.data").joinpath("aws-managed-policies.json.gz").read_bytes()
        data = json.loads(gzip.decompress(raw))
        return Catalog(
            [
                AwsManagedPolicy(
                    name=p["name"],
                    policy_id=p["id"],
                    arn=p["arn"],
                    path=p["path"],
                    default_version=p["version"],
                    created_at=datetime.fromisoformat(p["created"]),
                    updated_at=datetime.fromisoformat(p["updated"]),
                    document=p["document"],
                )
                for p in data["policies"]
            ]
        )
