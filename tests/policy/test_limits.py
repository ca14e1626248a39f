"""Size quotas of policy documents (rolecall.policy.limits).

IAM and STS quotas: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html
("IAM doesn't count white space when calculating the size of a policy against these
limits"), SCP size: https://docs.aws.amazon.com/organizations/latest/userguide/orgs_reference_limits.html
"""

from __future__ import annotations

import json

import pytest

from rolecall.policy import PolicyError, policy_size
from rolecall.policy.limits import (
    GROUP_INLINE_MAX,
    MANAGED_POLICY_MAX,
    ROLE_INLINE_MAX,
    SCP_MAX,
    SESSION_POLICY_MAX,
    TRUST_POLICY_MAX,
    USER_INLINE_MAX,
    check_inline_total,
    check_managed_policy_size,
    check_trust_policy_size,
)

QUOTAS = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html"


def padded(size: int) -> str:
    """A managed-policy-shaped document of exactly ``size`` non-white-space characters."""
    head = (
        '{"Version":"2012-10-17","Statement":'
        '{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::'
    )
    tail = '"}}'
    filler = size - len(head) - len(tail)
    assert filler > 0
    text = head + "b" * filler + tail
    json.loads(text)
    assert policy_size(text) == size
    return text


def test_quota_values() -> None:
    # The quotas page's table: managed policy 6,144; role trust policy 2,048 (default);
    # inline: user 2,048, group 5,120, role 10,240; session policies 2,048.
    assert (MANAGED_POLICY_MAX, TRUST_POLICY_MAX) == (6144, 2048), QUOTAS
    assert (USER_INLINE_MAX, GROUP_INLINE_MAX, ROLE_INLINE_MAX) == (2048, 5120, 10240), QUOTAS
    assert SESSION_POLICY_MAX == 2048, QUOTAS
    assert SCP_MAX == 5120


@pytest.mark.parametrize("blank", [" ", "\n", "\t", "\r", "\r\n  "])
def test_white_space_does_not_count(blank: str) -> None:
    compact = '{"Version":"2012-10-17","Statement":[]}'
    spaced = blank.join(compact)
    assert policy_size(spaced) == len(compact), QUOTAS


def test_white_space_inside_strings_does_not_count_either() -> None:
    # AWS strips all white space before measuring, strings included.
    assert policy_size('{"Sid": "a b c"}') == len('{"Sid":"abc"}')


def test_managed_policy_at_and_over_the_quota() -> None:
    check_managed_policy_size(padded(MANAGED_POLICY_MAX))
    with pytest.raises(PolicyError) as info:
        check_managed_policy_size(padded(MANAGED_POLICY_MAX + 1))
    assert info.value.code == "LimitExceeded"
    assert info.value.message == "Cannot exceed quota for PolicySize: 6144"


def test_managed_policy_with_blank_padding_is_accepted() -> None:
    text = padded(MANAGED_POLICY_MAX)
    check_managed_policy_size(text.replace(",", ",    \n"))


def test_trust_policy_at_and_over_the_quota() -> None:
    check_trust_policy_size(padded(TRUST_POLICY_MAX))
    with pytest.raises(PolicyError) as info:
        check_trust_policy_size(padded(TRUST_POLICY_MAX + 1))
    assert info.value.code == "LimitExceeded"
    assert info.value.message == "Cannot exceed quota for ACLSizePerRole: 2048"


@pytest.mark.parametrize(
    ("entity", "limit"),
    [("user", USER_INLINE_MAX), ("group", GROUP_INLINE_MAX), ("role", ROLE_INLINE_MAX)],
)
def test_inline_policy_aggregate(entity: str, limit: int) -> None:
    # "The total size of all inline policies" of one identity.
    check_inline_total(entity, "x", limit)
    with pytest.raises(PolicyError) as info:
        check_inline_total(entity, "x", limit + 1)
    assert info.value.code == "LimitExceeded"
    assert info.value.message == f"Maximum policy size of {limit} bytes exceeded for {entity} x"
