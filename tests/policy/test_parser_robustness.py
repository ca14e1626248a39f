"""parse_policy on hostile input, and the canonical round trip of accepted documents.

Whatever a client sends as a policy document, the engine answers with a
PolicyError (AWS's MalformedPolicyDocument and friends) or a parsed policy --
never KeyError, TypeError, RecursionError or the like.  A document that parses
re-serialises (rolecall.policy.dump_policy) to one that parses to the same AST.
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rolecall.policy import (
    CompiledPolicy,
    Policy,
    PolicyError,
    PolicyKind,
    PrincipalPolicies,
    RequestContext,
    ResourcePolicies,
    authorize,
    dump_policy,
    parse_policy,
    policy_document,
    policy_group,
)

from .strategies import CALLERS, document

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
KINDS = list(PolicyKind)
ELEMENT_NAMES = [
    "Version",
    "Id",
    "Statement",
    "Sid",
    "Effect",
    "Principal",
    "NotPrincipal",
    "Action",
    "NotAction",
    "Resource",
    "NotResource",
    "Condition",
    "AWS",
    "Service",
    "Federated",
    "CanonicalUser",
    "StringEquals",
    "ForAnyValue:StringLike",
    "NullIfExists",
    "DateLessThan",
    "IpAddress",
    "Bool",
]
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=20),
    st.sampled_from(
        [
            "Allow",
            "Deny",
            "2012-10-17",
            "2008-10-17",
            "*",
            "s3:*",
            "arn:aws:s3:::b/*",
            "${aws:username}",
            "10.0.0.0/8",
        ]
    ),
)
JSON = st.recursive(
    SCALARS,
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.one_of(st.sampled_from(ELEMENT_NAMES), st.text(max_size=8)), children, max_size=5
        )
    ),
    max_leaves=25,
)


def accepts_or_policy_error(text: str | bytes, kind: PolicyKind) -> Policy | None:
    try:
        return parse_policy(text, kind)  # type: ignore[arg-type]
    except PolicyError as exc:
        assert exc.code in ("MalformedPolicyDocument", "LimitExceeded", "InvalidInput")
        assert exc.message
        return None


def exercise(policy: Policy, kind: PolicyKind) -> None:
    """Compile an accepted document and use it for a decision of every caller."""
    compiled = CompiledPolicy(policy, kind)
    group = policy_group([compiled])
    ctx = RequestContext.of(
        {
            "aws:username": "alice",
            "aws:SourceIp": "10.0.0.1",
            "aws:CurrentTime": "2020-01-01T00:00:00Z",
        }
    )
    for caller in CALLERS[:3]:
        for explain in (False, True):
            if kind in (PolicyKind.RESOURCE, PolicyKind.TRUST, PolicyKind.RCP):
                resources = (
                    ResourcePolicies(None, group)
                    if kind is not PolicyKind.RCP
                    else ResourcePolicies(rcps=(group,))
                )
                authorize(
                    caller,
                    "s3:GetObject",
                    "arn:aws:s3:::b/k",
                    ctx,
                    PrincipalPolicies(policy_group([])),
                    resources,
                    explain=explain,
                )
            else:
                authorize(
                    caller,
                    "s3:GetObject",
                    "arn:aws:s3:::b/k",
                    ctx,
                    PrincipalPolicies(group),
                    explain=explain,
                )


@SETTINGS
@given(JSON, st.sampled_from(KINDS))
def test_arbitrary_json(value: Any, kind: PolicyKind) -> None:
    policy = accepts_or_policy_error(json.dumps(value), kind)
    if policy is not None:
        exercise(policy, kind)


@SETTINGS
@given(st.text(max_size=200), st.sampled_from(KINDS))
def test_arbitrary_text(text: str, kind: PolicyKind) -> None:
    accepts_or_policy_error(text, kind)


@SETTINGS
@given(st.binary(max_size=100), st.sampled_from(KINDS))
def test_arbitrary_bytes(data: bytes, kind: PolicyKind) -> None:
    accepts_or_policy_error(data, kind)


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix]
    if isinstance(value, dict):
        for k, v in value.items():
            out += _paths(v, (*prefix, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            out += _paths(v, (*prefix, i))
    return out


def _replace(value: Any, path: tuple[Any, ...], new: Any) -> Any:
    if not path:
        return new
    head, rest = path[0], path[1:]
    if isinstance(value, dict):
        return {**value, head: _replace(value[head], rest, new)}
    copy = list(value)
    copy[head] = _replace(copy[head], rest, new)
    return copy


@SETTINGS
@given(document(principal="any"), st.data(), st.sampled_from(KINDS))
def test_valid_documents_with_one_part_replaced(
    text: str, data: st.DataObject, kind: PolicyKind
) -> None:
    # Valid structure with one wrong part is what reaches the deeper checks.
    doc = json.loads(text)
    path = data.draw(st.sampled_from(_paths(doc)))
    mutated = _replace(doc, path, data.draw(JSON))
    policy = accepts_or_policy_error(json.dumps(mutated), kind)
    if policy is not None:
        exercise(policy, kind)


def statement_text(body: str) -> str:
    """A document around one statement given as JSON text (which may be no valid JSON)."""
    return '{"Version": "2012-10-17", "Statement": {' + body + "}}"


def condition_text(block: str) -> str:
    """An ``Allow * *`` statement with the given Condition block text."""
    return statement_text(ALLOW_ALL_BODY + ', "Condition": ' + block)


ALLOW_ALL_BODY = '"Effect": "Allow", "Action": "*", "Resource": "*"'
NASTY = [
    "[" * 100_000 + "]" * 100_000,
    '{"Statement":' * 50_000 + "1" + "}" * 50_000,
    condition_text('{"NumericEquals": {"k": ' + "9" * 5000 + "}}"),
    condition_text('{"NumericEquals": {"k": 1e400}}'),
    condition_text('{"NumericEquals": {"k": -0.0}}'),
    condition_text('{"NumericEquals": {"k": NaN}}'),
    condition_text('{"DateEquals": {"k": 99999999999999999999}}'),
    condition_text('{"DateEquals": {"k": "99999-13-45T99:99:99+99:99"}}'),
    condition_text('{"IpAddress": {"aws:SourceIp": ["999.1.1.1/99", "::g"]}}'),
    condition_text('{"BinaryEquals": {"k": "!!!"}, "IpAddressIfExists": {"k": "10.0.0.0/99"}}'),
    condition_text('{"StringLike": {"k": "' + "*" * 3000 + '"}}'),
    statement_text('"Effect": "Allow", "Action": "\\ud800:x", "Resource": "*"'),
    statement_text('"Effect": "Allow", "Action": "s3:\\u0000", "Resource": "arn:aws:s3:::\\u0000"'),
    "\ufeff" + statement_text(ALLOW_ALL_BODY),
    statement_text(
        '"Effect": "Allow", "Action": "s3:GetObject", '
        '"Resource": "arn:aws:s3:::\u0130\u212a/${aws:username, \'\u00df\'}"'
    ),
    statement_text(
        '"Effect": "Allow", "Action": "*", "Resource": ["'
        + '", "'.join(f"arn:aws:s3:::b{i}/*" for i in range(2000))
        + '"]'
    ),
    statement_text(
        '"Effect": "Allow", "Action": "*", "Resource": "*", "Principal": {"AWS": "'
        + "\\u0031" * 4
        + "\\u0032" * 4
        + "\\u0033" * 4
        + '"}'
    ),
    statement_text(ALLOW_ALL_BODY)[:-1] + ', "Statement": 3}',
    "",
    "null",
    "\x00",
]


@pytest.mark.parametrize("text", NASTY, ids=range(len(NASTY)))
@pytest.mark.parametrize("kind", KINDS)
def test_nasty_documents(text: str, kind: PolicyKind) -> None:
    policy = accepts_or_policy_error(text, kind)
    if policy is not None:
        exercise(policy, kind)


# -- round trip -----------------------------------------------------------------------------------


def without_text(policy: Policy) -> Policy:
    return dataclasses.replace(policy, text="")


def assert_round_trip(text: str, kind: PolicyKind) -> None:
    first = parse_policy(text, kind)
    again = parse_policy(dump_policy(first), kind)
    assert without_text(again) == without_text(first)
    # and the canonical form is a fixed point
    assert policy_document(again) == policy_document(first)


@SETTINGS
@given(document())
def test_identity_documents_round_trip(text: str) -> None:
    assert_round_trip(text, PolicyKind.IDENTITY)


@SETTINGS
@given(document(principal="any"))
def test_resource_documents_round_trip(text: str) -> None:
    assert_round_trip(text, PolicyKind.RESOURCE)


@SETTINGS
@given(document(principal="star"))
def test_rcp_documents_round_trip(text: str) -> None:
    assert_round_trip(text, PolicyKind.RCP)


def test_guide_documents_round_trip() -> None:
    from .test_grammar import GUIDE_DOCUMENTS

    for _page, kind, doc in GUIDE_DOCUMENTS:
        assert_round_trip(json.dumps(doc), kind)


def test_round_trip_keeps_principal_spellings_and_condition_types() -> None:
    text = json.dumps(
        {
            "Statement": {
                "Effect": "Allow",
                "Principal": {"AWS": "*"},
                "Action": "s3:GetObject",
                "Resource": "arn:aws:s3:::b/*",
                "Condition": {
                    "NumericLessThan": {"s3:max-keys": 10},
                    "Bool": {"aws:SecureTransport": True},
                },
            }
        }
    )
    assert_round_trip(text, PolicyKind.RESOURCE)
    doc = policy_document(parse_policy(text, PolicyKind.RESOURCE))
    assert "Version" not in doc
    assert doc["Statement"][0]["Principal"] == {"AWS": ["*"]}
    assert doc["Statement"][0]["Condition"] == {
        "NumericLessThan": {"s3:max-keys": ["10"]},
        "Bool": {"aws:SecureTransport": ["true"]},
    }
