"""Validation messages, worded exactly as AWS words them."""

from __future__ import annotations

import pytest
from protocol_strategies import MODELS

from rolecall.protocol import AWSError, ValidationError

POLICY = '{"Version":"2012-10-17","Statement":[]}'
HEAD = "1 validation error detected: "


def _error(service: str, action: str, params: list[tuple[str, str]]) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        MODELS.operation(service, action).decode(params)
    return caught.value


def _create_role(**extra: str) -> list[tuple[str, str]]:
    params = {"RoleName": "my-role", "AssumeRolePolicyDocument": POLICY, **extra}
    return list(params.items())


def test_pattern() -> None:
    error = _error("iam", "CreateRole", _create_role(RoleName="a b"))
    assert error.message == (
        "1 validation error detected: Value 'a b' at 'roleName' failed to satisfy constraint: "
        "Member must satisfy regular expression pattern: [\\w+=,.@-]+"
    )
    assert (error.code, error.status, error.fault_type) == ("ValidationError", 400, "Sender")


def test_missing_required_member_is_null() -> None:
    error = _error("iam", "CreateRole", [("AssumeRolePolicyDocument", POLICY)])
    assert error.message == (
        HEAD + "Value null at 'roleName' failed to satisfy constraint: Member must not be null"
    )


def test_length_less_than_or_equal() -> None:
    name = "r" * 65
    error = _error("iam", "CreateRole", _create_role(RoleName=name))
    assert error.message == (
        HEAD + f"Value '{name}' at 'roleName' failed to satisfy constraint: "
        "Member must have length less than or equal to 64"
    )


def test_length_greater_than_or_equal() -> None:
    params = [
        ("RoleArn", "arn:aws:iam::123456789012:role/demo"),
        ("RoleSessionName", "session"),
        ("ExternalId", "a"),
    ]
    error = _error("sts", "AssumeRole", params)
    assert error.message == (
        HEAD + "Value 'a' at 'externalId' failed to satisfy constraint: "
        "Member must have length greater than or equal to 2"
    )


def test_value_ranges() -> None:
    error = _error("iam", "CreateRole", _create_role(MaxSessionDuration="50000"))
    assert error.message == (
        HEAD + "Value '50000' at 'maxSessionDuration' failed to satisfy constraint: "
        "Member must have value less than or equal to 43200"
    )
    error = _error("sts", "GetSessionToken", [("DurationSeconds", "100")])
    assert error.message == (
        HEAD + "Value '100' at 'durationSeconds' failed to satisfy constraint: "
        "Member must have value greater than or equal to 900"
    )


def test_enum() -> None:
    params = [("AccessKeyId", "AKIAIOSFODNN7EXAMPLE"), ("Status", "Enabled")]
    error = _error("iam", "UpdateAccessKey", params)
    assert error.message == (
        HEAD + "Value 'Enabled' at 'status' failed to satisfy constraint: "
        "Member must satisfy enum value set: [Active, Inactive, Expired]"
    )


def test_several_errors_are_counted_and_joined_in_model_order() -> None:
    params = [("AssumeRolePolicyDocument", POLICY), ("RoleName", "a b"), ("Path", "nope")]
    error = _error("iam", "CreateRole", params)
    assert error.message == (
        "2 validation errors detected: "
        "Value 'nope' at 'path' failed to satisfy constraint: Member must satisfy regular "
        "expression pattern: (\\u002F)|(\\u002F[\\u0021-\\u007E]+\\u002F); "
        "Value 'a b' at 'roleName' failed to satisfy constraint: Member must satisfy regular "
        "expression pattern: [\\w+=,.@-]+"
    )


def test_one_value_can_break_several_constraints() -> None:
    error = _error("iam", "CreateRole", _create_role(RoleName=""))
    assert error.message == (
        "2 validation errors detected: "
        "Value '' at 'roleName' failed to satisfy constraint: "
        "Member must have length greater than or equal to 1; "
        "Value '' at 'roleName' failed to satisfy constraint: "
        "Member must satisfy regular expression pattern: [\\w+=,.@-]+"
    )


def test_structure_in_list_location() -> None:
    params = _create_role(
        **{
            "Tags.member.1.Key": "ok",
            "Tags.member.1.Value": "fine",
            "Tags.member.2.Key": "bad!",
            "Tags.member.2.Value": "x",
            "Tags.member.3.Key": "no-value",
        }
    )
    error = _error("iam", "CreateRole", params)
    assert error.message == (
        "2 validation errors detected: "
        "Value 'bad!' at 'tags.2.member.key' failed to satisfy constraint: "
        "Member must satisfy regular expression pattern: [\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]+; "
        "Value null at 'tags.3.member.value' failed to satisfy constraint: "
        "Member must not be null"
    )


def test_list_of_scalars_is_reported_at_the_list() -> None:
    params = [("RoleName", "r"), ("TagKeys.member.1", "ok"), ("TagKeys.member.2", "b!")]
    error = _error("iam", "UntagRole", params)
    assert error.message == (
        HEAD + "Value '[ok, b!]' at 'tagKeys' failed to satisfy constraint: "
        "Member must satisfy constraint: [Member must have length less than or equal to 128, "
        "Member must have length greater than or equal to 1, "
        "Member must satisfy regular expression pattern: [\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]+]"
    )


def test_list_length() -> None:
    params = [("RoleName", "r")]
    for i in range(1, 52):
        params += [(f"Tags.member.{i}.Key", f"k{i}"), (f"Tags.member.{i}.Value", "v")]
    error = _error("iam", "TagRole", params)
    shown = ", ".join(f"Tag(key=k{i}, value=v)" for i in range(1, 52))
    assert error.message == (
        HEAD + f"Value '[{shown}]' at 'tags' failed to satisfy constraint: "
        "Member must have length less than or equal to 50"
    )


def test_empty_list_below_minimum() -> None:
    params = [("Arn", "arn:aws:iam::123456789012:role/demo"), ("ServiceNamespaces", "")]
    error = _error("iam", "ListPoliciesGrantingServiceAccess", params)
    assert error.message == (
        HEAD + "Value '[]' at 'serviceNamespaces' failed to satisfy constraint: "
        "Member must have length greater than or equal to 1"
    )


def test_sensitive_values_are_not_echoed() -> None:
    params = [("OldPassword", "old"), ("NewPassword", "p" * 129)]
    error = _error("iam", "ChangePassword", params)
    assert error.message == (
        HEAD + "Value at 'newPassword' failed to satisfy constraint: "
        "Member must have length less than or equal to 128"
    )
    assert "ppp" not in error.message


def test_map_keys() -> None:
    params = [
        ("Properties.entry.1.key", "1bad"),
        ("Properties.entry.1.value", "v"),
    ]
    error = _error("iam", "PutAccountProperties", params)
    assert error.message == (
        HEAD + "Value '{1bad=v}' at 'properties' failed to satisfy constraint: "
        "Map keys must satisfy constraint: [Member must have length less than or equal to 50, "
        "Member must have length greater than or equal to 1, "
        "Member must satisfy regular expression pattern: ^[A-Za-z][A-Za-z0-9/_-]*$]"
    )


def test_map_values() -> None:
    params = [("Properties.entry.1.key", "Good"), ("Properties.entry.1.value", "")]
    error = _error("iam", "PutAccountProperties", params)
    assert error.message == (
        HEAD + "Value '{Good=}' at 'properties' failed to satisfy constraint: "
        "Map value must satisfy constraint: [Member must have length less than or equal to "
        "1024, Member must have length greater than or equal to 1]"
    )


def test_structure_inside_map_value() -> None:
    params = [
        ("TemplateArn", "arn:aws:iam::123456789012:template/x"),
        ("ReplacementValues.entry.1.key", "param"),
        ("ReplacementValues.entry.1.value.Values", ""),
    ]
    error = _error("iam", "AcquireRole", params)
    assert error.message == (
        HEAD + "Value '[]' at 'replacementValues.param.values' failed to satisfy constraint: "
        "Member must have length greater than or equal to 1"
    )


def test_valid_input_passes_and_validate_is_public() -> None:
    spec = MODELS.operation("iam", "CreateRole")
    decoded = spec.decode(_create_role(MaxSessionDuration="3600", Description="é ok"))
    assert decoded["MaxSessionDuration"] == 3600
    spec.validate(decoded)
    with pytest.raises(ValidationError):
        spec.validate({"RoleName": "my-role"})


def test_errors_are_aws_errors() -> None:
    error = _error("iam", "CreateRole", [])
    assert isinstance(error, AWSError)
    assert error.message.startswith("2 validation errors detected: Value null at ")
