"""Response and error documents: exact bytes, escaping, timestamps, scalars."""

from __future__ import annotations

import base64
import xml.etree.ElementTree as ET
from datetime import UTC, date, datetime, timedelta, timezone

from botocore.parsers import create_parser
from hypothesis import given, settings
from hypothesis import strategies as st
from protocol_strategies import MODELS

from rolecall.protocol import (
    AWSError,
    InternalFailure,
    NoSuchEntity,
    encode_error,
    format_timestamp,
    xml_escape,
)

IAM_NS = "https://iam.amazonaws.com/doc/2010-05-08/"
PARSER = create_parser("query")


def _parse(action: str, body: bytes, service: str = "iam") -> dict[str, object]:
    shape = MODELS.operation(service, action).model.output_shape
    parsed: dict[str, object] = PARSER.parse(
        {"body": body, "headers": {}, "status_code": 200}, shape
    )
    parsed.pop("ResponseMetadata")
    return parsed


def test_create_role_document() -> None:
    created = datetime(2024, 5, 6, 7, 8, 9, 987654, tzinfo=UTC)
    body = MODELS.operation("iam", "CreateRole").encode_result(
        {
            "Role": {
                "Tags": [{"Key": "k", "Value": "v"}],
                "RoleName": "demo",
                "Path": "/",
                "RoleId": "AROAEXAMPLE",
                "Arn": "arn:aws:iam::123456789012:role/demo",
                "CreateDate": created,
                "MaxSessionDuration": 3600,
                "Description": None,
            }
        },
        "req-1",
    )
    assert (
        body
        == (
            f'<CreateRoleResponse xmlns="{IAM_NS}"><CreateRoleResult><Role>'
            "<Path>/</Path><RoleName>demo</RoleName><RoleId>AROAEXAMPLE</RoleId>"
            "<Arn>arn:aws:iam::123456789012:role/demo</Arn>"
            "<CreateDate>2024-05-06T07:08:09Z</CreateDate>"
            "<MaxSessionDuration>3600</MaxSessionDuration>"
            "<Tags><member><Key>k</Key><Value>v</Value></member></Tags>"
            "</Role></CreateRoleResult>"
            "<ResponseMetadata><RequestId>req-1</RequestId></ResponseMetadata>"
            "</CreateRoleResponse>"
        ).encode()
    )


def test_operation_without_output_has_only_metadata() -> None:
    body = MODELS.operation("iam", "DeleteRole").encode_result(None, "r-2")
    assert (
        body
        == (
            f'<DeleteRoleResponse xmlns="{IAM_NS}">'
            "<ResponseMetadata><RequestId>r-2</RequestId></ResponseMetadata></DeleteRoleResponse>"
        ).encode()
    )
    assert MODELS.operation("iam", "DeleteRole").encode_result({"x": 1}, "r-2") == body


def test_empty_result_still_has_its_wrapper() -> None:
    body = MODELS.operation("sts", "GetCallerIdentity").encode_result(None, "r")
    assert b"<GetCallerIdentityResult></GetCallerIdentityResult>" in body
    assert _parse("GetCallerIdentity", body, "sts") == {}


def test_empty_list_is_written() -> None:
    body = MODELS.operation("iam", "ListRoles").encode_result(
        {"Roles": [], "IsTruncated": False}, "r"
    )
    assert b"<Roles></Roles><IsTruncated>false</IsTruncated>" in body
    assert _parse("ListRoles", body) == {"Roles": [], "IsTruncated": False}


def test_maps_booleans_and_blobs() -> None:
    body = MODELS.operation("iam", "GetAccountSummary").encode_result(
        {"SummaryMap": {"Users": 3, "Roles": 0}}, "r"
    )
    assert b"<SummaryMap><entry><key>Users</key><value>3</value></entry>" in body
    assert _parse("GetAccountSummary", body) == {"SummaryMap": {"Users": 3, "Roles": 0}}
    body = MODELS.operation("iam", "GetCredentialReport").encode_result(
        {"Content": b"\x00\xffcsv", "ReportFormat": "text/csv"}, "r"
    )
    encoded = base64.b64encode(b"\x00\xffcsv")
    assert b"<Content>" + encoded + b"</Content>" in body
    assert _parse("GetCredentialReport", body)["Content"] == b"\x00\xffcsv"


def test_escaping_survives_a_real_parser() -> None:
    nasty = "a&b<c>d\"e'f\r\ng\th]]>"
    body = MODELS.operation("iam", "GetUser").encode_result(
        {"User": {"Path": "/", "UserName": nasty, "UserId": "x", "Arn": "y", "CreateDate": 0}},
        'id&"<>',
    )
    assert b"a&amp;b&lt;c&gt;d&quot;e'f&#13;\ng\th]]&gt;" in body
    assert b"<RequestId>id&amp;&quot;&lt;&gt;</RequestId>" in body
    user = _parse("GetUser", body)["User"]
    assert isinstance(user, dict)
    assert user["UserName"] == nasty


def test_characters_xml_cannot_carry_are_replaced() -> None:
    assert xml_escape("a\x00b\x1fc\ud800d\ufffee") == "a\ufffdb\ufffdc\ufffdd\ufffde"
    assert xml_escape("plain é 日本 😀") == "plain é 日本 😀"


@settings(max_examples=200)
@given(text=st.text())
def test_any_text_yields_well_formed_xml(text: str) -> None:
    spec = MODELS.operation("iam", "ListAccountAliases")
    document = spec.encode_result({"AccountAliases": [text], "IsTruncated": True}, text)
    ET.fromstring(document)  # raises if not well-formed


def test_timestamps() -> None:
    expected = "2024-01-02T03:04:05Z"
    assert format_timestamp(datetime(2024, 1, 2, 3, 4, 5, 999999, tzinfo=UTC)) == expected
    assert format_timestamp(datetime(2024, 1, 2, 3, 4, 5)) == expected  # naive = UTC
    plus_two = timezone(timedelta(hours=2))
    assert format_timestamp(datetime(2024, 1, 2, 5, 4, 5, tzinfo=plus_two)) == expected
    assert format_timestamp(1704164645) == expected
    assert format_timestamp(date(2024, 1, 2)) == "2024-01-02T00:00:00Z"


def test_error_document() -> None:
    error = NoSuchEntity("The role with name x&y cannot be found.")
    assert (
        encode_error(error, "req-9", IAM_NS)
        == (
            f'<ErrorResponse xmlns="{IAM_NS}"><Error><Type>Sender</Type>'
            "<Code>NoSuchEntity</Code>"
            "<Message>The role with name x&amp;y cannot be found.</Message>"
            "</Error><RequestId>req-9</RequestId></ErrorResponse>"
        ).encode()
    )


def test_botocore_reads_our_errors() -> None:
    for error in (NoSuchEntity("gone <now>"), InternalFailure(), AWSError("x", code="Custom")):
        body = encode_error(error, "rid", IAM_NS)
        parsed = PARSER.parse({"body": body, "headers": {}, "status_code": error.status}, None)
        assert parsed["Error"] == {
            "Type": error.fault_type,
            "Code": error.code,
            "Message": error.message,
        }
        assert parsed["ResponseMetadata"]["RequestId"] == "rid"
    assert b"<Type>Receiver</Type>" in encode_error(InternalFailure(), "r", IAM_NS)
