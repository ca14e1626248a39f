"""The packaged AWS managed policies are the real ones, and rolecall can use every one."""

from __future__ import annotations

from rolecall.iam.catalog import load_catalog
from rolecall.policy import PolicyKind, compile_policy


def test_catalog_holds_aws_managed_policies() -> None:
    catalog = load_catalog()
    assert len(catalog.policies) == 1452
    s3 = catalog.get("arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess")
    assert s3 is not None and s3.policy_id == "ANPAIZTJ4DXE7G6AGAE6M" and s3.path == "/"
    assert catalog.get("arn:aws:iam::aws:policy/NoSuchPolicy") is None


def test_every_aws_managed_policy_parses_as_a_managed_policy() -> None:
    for policy in load_catalog().policies:
        compiled = compile_policy(policy.document, PolicyKind.MANAGED)
        assert compiled.statements, policy.name
