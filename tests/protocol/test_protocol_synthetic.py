"""Serialization traits IAM and STS do not use today, on a small synthetic query model:
flattened lists and maps, locationName renames, timestamps, blobs, doubles, longs,
booleans, lists of lists, recursion."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, urlencode

import botocore.model
import pytest
from botocore.parsers import create_parser
from botocore.serialize import create_serializer
from hypothesis import HealthCheck, given, settings
from protocol_strategies import ABSENT, any_output, as_printed, as_sent, valid_input

from rolecall.protocol import MalformedInput, ServiceModels

_TYPES = {"When": "Timestamp", "Data": "Blob", "Ratio": "Double", "Big": "Long", "Flag": "Boolean"}
_MEMBERS: dict[str, Any] = {
    **{name: {"shape": shape} for name, shape in _TYPES.items()},
    "Flat": {"shape": "FlatRenamedList"},
    "FlatPlain": {"shape": "FlatList"},
    "Named": {"shape": "NamedList"},
    "Renamed": {"shape": "String", "locationName": "OtherName"},
    "Dict": {"shape": "NamedMap"},
    "FlatDict": {"shape": "FlatMap"},
    "Matrix": {"shape": "ListOfLists"},
    "Tree": {"shape": "Tree"},
}
MODEL = {
    "version": "2.0",
    "metadata": {
        "apiVersion": "2020-01-01",
        "endpointPrefix": "synthetic",
        "protocol": "query",
        "serviceId": "Synthetic",
        "signatureVersion": "v4",
        "xmlNamespace": "https://synthetic.example/doc/2020-01-01/",
        "uid": "synthetic-2020-01-01",
    },
    "operations": {
        "Everything": {
            "name": "Everything",
            "http": {"method": "POST", "requestUri": "/"},
            "input": {"shape": "Everything"},
            "output": {"shape": "Everything", "resultWrapper": "EverythingResult"},
        },
        "Unwrapped": {
            "name": "Unwrapped",
            "http": {"method": "POST", "requestUri": "/"},
            "input": {"shape": "Everything"},
            "output": {"shape": "Everything"},
        },
    },
    "shapes": {
        "Everything": {"type": "structure", "members": _MEMBERS},
        "Timestamp": {"type": "timestamp"},
        "Blob": {"type": "blob"},
        "Double": {"type": "double"},
        "Long": {"type": "long"},
        "Boolean": {"type": "boolean"},
        "String": {"type": "string"},
        "FlatRenamedList": {
            "type": "list",
            "member": {"shape": "String", "locationName": "Item"},
            "flattened": True,
        },
        "FlatList": {"type": "list", "member": {"shape": "Long"}, "flattened": True},
        "NamedList": {"type": "list", "member": {"shape": "Timestamp", "locationName": "Thing"}},
        "NamedMap": {
            "type": "map",
            "key": {"shape": "String", "locationName": "Name"},
            "value": {"shape": "Blob", "locationName": "Val"},
        },
        "FlatMap": {
            "type": "map",
            "key": {"shape": "String"},
            "value": {"shape": "Boolean"},
            "flattened": True,
        },
        "ListOfLists": {"type": "list", "member": {"shape": "NamedList"}},
        "Tree": {
            "type": "structure",
            "members": {"Label": {"shape": "String"}, "Children": {"shape": "Forest"}},
        },
        "Forest": {"type": "list", "member": {"shape": "Tree"}, "max": 2},
    },
}

SERVICE = botocore.model.ServiceModel(MODEL, service_name="synthetic")
MODELS = ServiceModels()
MODELS.register(SERVICE)
SERIALIZER = create_serializer("query", include_validation=True)
PARSER = create_parser("query")
QUICK = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SHAPE = SERVICE.shape_for("Everything")


@QUICK
@given(params=valid_input(SHAPE, "synthetic"))
def test_decode_inverts_botocore_serializer(params: dict[str, Any]) -> None:
    spec = MODELS.operation("synthetic", "Everything")
    body = SERIALIZER.serialize_to_request(params, spec.model)["body"]
    decoded = spec.decode(parse_qsl(urlencode(body), keep_blank_values=True))
    expected = as_sent(SHAPE, params)
    assert decoded == ({} if expected is ABSENT else expected)


@pytest.mark.parametrize("action", ["Everything", "Unwrapped"])
def test_botocore_parses_what_we_encode(action: str) -> None:
    spec = MODELS.operation("synthetic", action)

    @QUICK
    @given(result=any_output(SHAPE, "synthetic"))
    def check(result: dict[str, Any]) -> None:
        body = spec.encode_result(result, "req")
        parsed = PARSER.parse(
            {"body": body, "headers": {}, "status_code": 200}, spec.model.output_shape
        )
        parsed.pop("ResponseMetadata")
        assert parsed == as_printed(SHAPE, result)

    check()


def test_wire_names() -> None:
    spec = MODELS.operation("synthetic", "Everything")
    decoded = spec.decode(
        [
            ("OtherName", "renamed"),
            ("Item.2", "b"),
            ("Item.1", "a"),
            ("FlatPlain.1", "7"),
            ("Named.Thing.1", "2015-03-04T05:06:07.123456789Z"),
            ("Dict.entry.1.Name", "k"),
            ("Dict.entry.1.Val", "aGk="),
            ("FlatDict.1.key", "on"),
            ("FlatDict.1.value", "true"),
            ("Matrix.member.1.Thing.1", "1425445567"),
            ("Ratio", "-1.5e3"),
            ("Big", "9223372036854775807"),
        ]
    )
    assert decoded == {
        "Renamed": "renamed",
        "Flat": ["a", "b"],
        "FlatPlain": [7],
        "Named": [datetime(2015, 3, 4, 5, 6, 7, 123456, tzinfo=UTC)],
        "Dict": {"k": b"hi"},
        "FlatDict": {"on": True},
        "Matrix": [[datetime(2015, 3, 4, 5, 6, 7, tzinfo=UTC)]],
        "Ratio": -1500.0,
        "Big": 2**63 - 1,
    }
    # An empty renamed flattened list is sent under the member's own name.
    assert spec.decode([("Flat", "")]) == {"Flat": []}
    assert spec.decode([("Item.1", "x"), ("Flat", "")]) == {"Flat": ["x"]}


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("When", "yesterday"),
        ("When", "2015-13-01T00:00:00Z"),
        ("Data", "not base64!"),
        ("Ratio", "1,5"),
        ("Big", "9223372036854775808"),
        ("Flag", "1"),
    ],
)
def test_bad_scalars(key: str, value: str) -> None:
    with pytest.raises(MalformedInput) as caught:
        MODELS.operation("synthetic", "Everything").decode([(key, value)])
    assert key in caught.value.message


def test_timestamp_forms() -> None:
    spec = MODELS.operation("synthetic", "Everything")
    expected = datetime(2015, 3, 4, 5, 6, 7, tzinfo=UTC)
    for text in (
        "2015-03-04T05:06:07Z",
        "2015-03-04T07:06:07+02:00",
        "2015-03-04T05:06:07",
        "1425445567",
    ):
        assert spec.decode([("When", text)]) == {"When": expected}, text
