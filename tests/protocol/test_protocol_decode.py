"""Decoding details: odd and malformed query parameters, and a fuzz for stray exceptions."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.model import Shape
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from protocol_strategies import ALL_OPERATIONS, MODELS

from rolecall.protocol import (
    AWSError,
    InvalidAction,
    MalformedInput,
    ServiceModels,
    ValidationError,
)

POLICY = '{"Version":"2012-10-17","Statement":[]}'


def _role(*extra: tuple[str, str]) -> list[tuple[str, str]]:
    return [("RoleName", "my-role"), ("AssumeRolePolicyDocument", POLICY), *extra]


def _malformed(service: str, action: str, params: list[tuple[str, str]]) -> MalformedInput:
    with pytest.raises(MalformedInput) as caught:
        MODELS.operation(service, action).decode(params)
    assert (caught.value.code, caught.value.status) == ("MalformedInput", 400)
    return caught.value


def test_unknown_action() -> None:
    with pytest.raises(InvalidAction) as caught:
        MODELS.operation("iam", "CreateRoles")
    assert caught.value.message == "Could not find operation CreateRoles for version 2010-05-08"
    assert caught.value.status == 400
    with pytest.raises(InvalidAction):
        MODELS.operation("sts", "createRole")  # operation names are case-sensitive


def test_unknown_service_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="unknown service"):
        ServiceModels().operation("nosuchservice", "X")


def test_specs_are_cached() -> None:
    assert MODELS.operation("iam", "CreateRole") is MODELS.operation("iam", "CreateRole")


@pytest.mark.parametrize(
    "value", ["abc", "", " 5", "5 ", "1_000", "2147483648", "-2147483649", "٣"]
)
def test_bad_integers(value: str) -> None:
    error = _malformed("iam", "CreateRole", _role(("MaxSessionDuration", value)))
    assert "MaxSessionDuration" in error.message


@pytest.mark.parametrize(("value", "number"), [("+3600", 3600), ("03600", 3600)])
def test_integers_as_java_reads_them(value: str, number: int) -> None:
    decoded = MODELS.operation("iam", "CreateRole").decode(_role(("MaxSessionDuration", value)))
    assert decoded["MaxSessionDuration"] == number


def test_booleans() -> None:
    spec = MODELS.operation("iam", "UpdateAccountPasswordPolicy")
    assert spec.decode([("RequireSymbols", "true")]) == {"RequireSymbols": True}
    assert spec.decode([("RequireSymbols", "FALSE")]) == {"RequireSymbols": False}
    _malformed("iam", "UpdateAccountPasswordPolicy", [("RequireSymbols", "yes")])


@pytest.mark.parametrize("index", ["x", "0", "-1", "", "1a", "99999999999", "\u0661"])
def test_list_index_must_be_a_positive_integer(index: str) -> None:
    error = _malformed("iam", "CreateRole", _role((f"Tags.member.{index}.Key", "k")))
    assert error.message.endswith("is not a valid index.")


def test_list_order_follows_indices_gaps_allowed() -> None:
    spec = MODELS.operation("iam", "UntagRole")
    decoded = spec.decode(
        [
            ("RoleName", "r"),
            ("TagKeys.member.10", "ten"),
            ("TagKeys.member.2", "two"),
            ("TagKeys.member.7", "seven"),
        ]
    )
    assert decoded["TagKeys"] == ["two", "seven", "ten"]


def test_empty_list_and_bare_list_name() -> None:
    spec = MODELS.operation("iam", "UntagRole")
    assert spec.decode([("RoleName", "r"), ("TagKeys", "")])["TagKeys"] == []
    # A value where only members make sense is not an element.
    assert spec.decode([("RoleName", "r"), ("TagKeys.member", "x")])["TagKeys"] == []


def test_repeated_parameter_keeps_the_first_value() -> None:
    decoded = MODELS.operation("iam", "GetRole").decode([("RoleName", "a"), ("RoleName", "b")])
    assert decoded == {"RoleName": "a"}
    decoded = MODELS.operation("iam", "UntagRole").decode(
        [("RoleName", "r"), ("TagKeys.member.1", "one"), ("TagKeys.member.01", "again")]
    )
    assert decoded["TagKeys"] == ["one"]


def test_envelope_and_unknown_parameters_are_ignored() -> None:
    params = [
        ("Action", "GetRole"),
        ("Version", "2010-05-08"),
        ("RoleName", "a"),
        ("X-Amz-Algorithm", "AWS4-HMAC-SHA256"),
        ("X-Amz-Signature", "abc"),
        ("x-amz-security-token", "tok"),
        ("Bogus", "1"),
        ("RoleName.Extra", "2"),
    ]
    assert MODELS.operation("iam", "GetRole").decode(params) == {"RoleName": "a"}


def test_parse_qs_style_mapping() -> None:
    spec = MODELS.operation("iam", "CreateRole")
    decoded = spec.decode(
        {
            "RoleName": ["my-role", "ignored"],
            "AssumeRolePolicyDocument": [POLICY],
            "Description": [],
            "Path": "/plain/string/",
        }
    )
    assert decoded == {
        "RoleName": "my-role",
        "AssumeRolePolicyDocument": POLICY,
        "Path": "/plain/string/",
    }


def test_half_map_entries_are_dropped() -> None:
    spec = MODELS.operation("iam", "PutAccountProperties")
    decoded = spec.decode(
        [
            ("Properties.entry.1.key", "A"),
            ("Properties.entry.1.value", "1"),
            ("Properties.entry.2.key", "B"),
            ("Properties.entry.3.value", "3"),
        ]
    )
    assert decoded == {"Properties": {"A": "1"}}


def test_operations_without_input() -> None:
    spec = MODELS.operation("sts", "GetCallerIdentity")
    assert spec.decode([("Action", "GetCallerIdentity"), ("Anything", "x")]) == {}


def test_no_model_member_collides_with_the_envelope() -> None:
    for service, action in ALL_OPERATIONS:
        shape = MODELS.operation(service, action).model.input_shape
        if shape is not None:
            for name in shape.members:
                assert name not in ("Action", "Version") and not name.lower().startswith("x-amz-")


def _wire_segments(shape: Shape, depth: int = 0) -> set[str]:
    """Every name a parameter of this shape can contain, to aim the fuzzer at real paths."""
    names: set[str] = set()
    if depth > 4:
        return names
    if shape.type_name == "structure":
        for name, member in shape.members.items():
            names.add(name)
            names |= _wire_segments(member, depth + 1)
    elif shape.type_name == "list":
        names |= {"member"} | _wire_segments(shape.member, depth + 1)
    elif shape.type_name == "map":
        names |= {"entry", "key", "value"} | _wire_segments(shape.value, depth + 1)
    return names


@st.composite
def _fuzz_case(draw: st.DrawFn) -> tuple[str, str, list[tuple[str, str]]]:
    service, action = draw(st.sampled_from(ALL_OPERATIONS))
    shape = MODELS.operation(service, action).model.input_shape
    segments = sorted(_wire_segments(shape)) if shape is not None else []
    segment = st.one_of(
        st.sampled_from(segments or ["X"]),
        st.sampled_from(["1", "2", "01", "0", "-1", "", "x", "99999999999"]),
        st.text(max_size=6),
    )
    key = st.lists(segment, min_size=1, max_size=6).map(".".join)
    value = st.one_of(
        st.sampled_from(["", "true", "false", "1", "-5", "abc", "2015-01-01T00:00:00Z"]),
        st.text(max_size=20),
    )
    params = draw(st.lists(st.tuples(key, value), max_size=12))
    return service, action, params


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=_fuzz_case())
def test_fuzz_only_aws_errors_escape(case: tuple[str, str, list[tuple[str, str]]]) -> None:
    service, action, params = case
    spec = MODELS.operation(service, action)
    try:
        decoded: Any = spec.decode(params)
    except (MalformedInput, ValidationError):
        return
    except AWSError as error:  # pragma: no cover - would be a surprising code
        pytest.fail(f"unexpected AWS error {error!r}")
    assert isinstance(decoded, dict)
    spec.validate(decoded)  # what decode returned is valid by construction
