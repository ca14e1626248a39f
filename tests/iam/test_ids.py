"""Identifiers in AWS's formats; access key ids carry their account."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from rolecall.iam import ids


def test_unique_ids_have_aws_shape() -> None:
    for prefix in (ids.USER, ids.GROUP, ids.ROLE, ids.POLICY, ids.INSTANCE_PROFILE):
        value = ids.unique_id(prefix)
        assert re.fullmatch(prefix + r"[A-Z2-7]{17}", value)


def test_decodes_awss_documented_example_key() -> None:
    # "aws sts get-access-key-info --access-key-id ASIAY34FZKBOKMUTVV7A" answers
    # 609629065308 in AWS's examples.
    assert ids.account_of_access_key("ASIAY34FZKBOKMUTVV7A") == "609629065308"


@given(
    st.integers(min_value=0, max_value=10**12 - 1),
    st.sampled_from([ids.LONG_TERM_KEY, ids.TEMPORARY_KEY]),
)
def test_key_ids_encode_their_account(account: int, prefix: str) -> None:
    account_id = f"{account:012d}"
    key = ids.access_key_id(account_id, prefix)
    assert re.fullmatch(prefix + r"[A-Z2-7]{16}", key)
    assert ids.account_of_access_key(key) == account_id


def test_secrets_are_40_characters() -> None:
    assert len(ids.secret_access_key()) == 40
    assert ids.secret_access_key() != ids.secret_access_key()


def test_every_character_of_unique_and_key_ids_is_random() -> None:
    # A stuck or dropped bit would show as a position with few distinct characters.
    uniques = [ids.unique_id(ids.ROLE)[4:] for _ in range(3000)]
    for position in range(17):
        assert len({u[position] for u in uniques}) == 32, position
    keys = [ids.access_key_id("123456789012", ids.TEMPORARY_KEY)[4:] for _ in range(3000)]
    # The last 39 bits (7 + 32) are random: the last 7 characters and the low bits of one more.
    for position in range(9, 16):
        assert len({k[position] for k in keys}) == 32, position
    assert len({k[8] for k in keys}) > 1
    assert len(set(uniques)) == len(uniques) and len(set(keys)) == len(keys)
