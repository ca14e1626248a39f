"""The hand-written form decoder agrees with the standard library's."""

from __future__ import annotations

from urllib.parse import parse_qsl, quote_plus

import pytest
from botocore.exceptions import ClientError
from hypothesis import given, settings
from hypothesis import strategies as st

from rolecall.server.dispatch import parse_form

_pairs = st.lists(st.tuples(st.text(max_size=20), st.text(max_size=40)), max_size=8)


@settings(max_examples=300)
@given(_pairs)
def test_matches_parse_qsl_on_encoded_forms(pairs: list[tuple[str, str]]) -> None:
    text = "&".join(f"{quote_plus(k)}={quote_plus(v)}" for k, v in pairs)
    assert parse_form(text) == parse_qsl(text, keep_blank_values=True, errors="strict")


@settings(max_examples=300)
@given(st.text(alphabet="ab=&%+2 0F", max_size=30))
def test_matches_parse_qsl_on_arbitrary_text(text: str) -> None:
    try:
        expected = parse_qsl(text, keep_blank_values=True, errors="strict")
    except UnicodeDecodeError:
        expected = None
    try:
        got = parse_form(text)
    except UnicodeDecodeError:
        got = None
    assert got == expected


def test_nul_characters_are_refused_in_any_parameter(account) -> None:  # type: ignore[no-untyped-def]
    # Found by tests/protocol/test_no_server_errors.py: PostgreSQL cannot store U+0000,
    # and ARN parameters have no model pattern to keep it out.
    iam = account.client("iam", validate=False)
    for call, params, member in (
        ("GetPolicy", {"PolicyArn": "arn:aws:iam::123456789012:policy/a\x00"}, "policyArn"),
        (
            "CreateUser",
            {"UserName": "u", "PermissionsBoundary": "x" * 20 + "\x00"},
            "permissionsBoundary",
        ),
    ):
        with pytest.raises(ClientError) as exc:
            iam._make_api_call(call, params)
        err = exc.value.response["Error"]
        assert (err["Code"], exc.value.response["ResponseMetadata"]["HTTPStatusCode"]) == (
            "ValidationError",
            400,
        )
        assert f"at '{member}'" in err["Message"]
    assert iam.list_users()["Users"] == []  # nothing was half-created
