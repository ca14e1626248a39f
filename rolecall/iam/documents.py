"""Validate policy documents on the way in, with AWS's error codes."""

from __future__ import annotations

from rolecall.policy import Policy, PolicyError, PolicyKind, parse_policy
from rolecall.policy.limits import check_managed_policy_size
from rolecall.protocol.errors import AWSError, InvalidInput, LimitExceeded, MalformedPolicyDocument


def as_aws_error(exc: PolicyError) -> AWSError:
    """The wire error for a policy engine error."""
    if exc.code == "LimitExceeded":
        return LimitExceeded(exc.message)
    if exc.code == "InvalidInput":
        return InvalidInput(exc.message)
    return MalformedPolicyDocument(exc.message)


def check_document(text: str, kind: PolicyKind) -> Policy:
    """Parse and validate a document of ``kind`` or raise AWS's error."""
    try:
        if kind is PolicyKind.MANAGED:
            check_managed_policy_size(text)
        return parse_policy(text, kind)
    except PolicyError as exc:
        raise as_aws_error(exc) from None
