"""AWS's size quotas for policy documents.

IAM does not count white space toward these limits ("IAM doesn't count white
space when calculating the size of a policy"), so sizes are measured on the
document with every white-space character removed.
"""

from __future__ import annotations

from .errors import PolicyLimitError

#: Customer managed policy document.
MANAGED_POLICY_MAX = 6144
#: Aggregate size of all inline policies of one user.
USER_INLINE_MAX = 2048
#: Aggregate size of all inline policies of one group.
GROUP_INLINE_MAX = 5120
#: Aggregate size of all inline policies of one role.
ROLE_INLINE_MAX = 10240
#: A role trust policy (default quota).
TRUST_POLICY_MAX = 2048
#: Plain text of all session policies passed to one STS call.
SESSION_POLICY_MAX = 2048
#: A service control policy.
SCP_MAX = 5120

_WHITESPACE = str.maketrans("", "", " \t\n\r\x0b\x0c")


def policy_size(text: str) -> int:
    """Characters of ``text`` that count toward AWS quotas (white space excluded)."""
    return len(text.translate(_WHITESPACE))


def check_managed_policy_size(text: str) -> None:
    """Raise LimitExceeded if a managed policy is larger than AWS allows."""
    if policy_size(text) > MANAGED_POLICY_MAX:
        raise PolicyLimitError(f"Cannot exceed quota for PolicySize: {MANAGED_POLICY_MAX}")


def check_trust_policy_size(text: str) -> None:
    """Raise LimitExceeded if a trust policy is larger than AWS allows."""
    if policy_size(text) > TRUST_POLICY_MAX:
        raise PolicyLimitError(f"Cannot exceed quota for ACLSizePerRole: {TRUST_POLICY_MAX}")


def check_inline_total(entity_type: str, entity_name: str, total: int) -> None:
    """Raise LimitExceeded if an identity's inline policies together are too large.

    ``entity_type`` is ``user``, ``group`` or ``role``; ``total`` the summed
    :func:`policy_size` of all its inline policies after the change.
    """
    limit = {"user": USER_INLINE_MAX, "group": GROUP_INLINE_MAX, "role": ROLE_INLINE_MAX}[
        entity_type
    ]
    if total > limit:
        raise PolicyLimitError(
            f"Maximum policy size of {limit} bytes exceeded for {entity_type} {entity_name}"
        )
