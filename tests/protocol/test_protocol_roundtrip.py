"""Every IAM and STS operation: botocore serializes -> we decode; we encode -> botocore parses."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl, urlencode

import pytest
from botocore.parsers import create_parser
from botocore.serialize import create_serializer
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from protocol_strategies import (
    ABSENT,
    ALL_OPERATIONS,
    MODELS,
    any_output,
    as_printed,
    as_sent,
    valid_input,
)

SERIALIZER = create_serializer("query", include_validation=True)
PARSER = create_parser("query")
QUICK = settings(
    max_examples=10,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)


def _wire(body: dict[str, Any]) -> list[tuple[str, str]]:
    """The form body exactly as a client sends it and a server reads it back."""
    return parse_qsl(urlencode(body), keep_blank_values=True)


def test_the_models_cover_both_services() -> None:
    assert len(ALL_OPERATIONS) > 150
    assert ("iam", "CreateRole") in ALL_OPERATIONS
    assert ("sts", "AssumeRole") in ALL_OPERATIONS


@pytest.mark.parametrize(("service", "action"), ALL_OPERATIONS)
def test_decode_inverts_botocore_serializer(service: str, action: str) -> None:
    spec = MODELS.operation(service, action)
    shape = spec.model.input_shape
    if shape is None:
        assert spec.decode([("Action", action)]) == {}
        return

    @QUICK
    @given(params=valid_input(shape, service))
    def check(params: dict[str, Any]) -> None:
        request = SERIALIZER.serialize_to_request(params, spec.model)
        decoded = spec.decode(_wire(request["body"]))
        expected = as_sent(shape, params)
        assert decoded == ({} if expected is ABSENT else expected)

    check()


@pytest.mark.parametrize(("service", "action"), ALL_OPERATIONS)
def test_botocore_parses_what_we_encode(service: str, action: str) -> None:
    spec = MODELS.operation(service, action)
    shape = spec.model.output_shape

    results = any_output(shape, service) if shape is not None else st.none()

    @QUICK
    @given(result=results, request_id=st.uuids())
    def check(result: dict[str, Any] | None, request_id: object) -> None:
        body = spec.encode_result(result, str(request_id))
        parsed = PARSER.parse({"body": body, "headers": {}, "status_code": 200}, shape)
        assert parsed.pop("ResponseMetadata")["RequestId"] == str(request_id)
        expected = {} if result is None else as_printed(shape, result)
        assert parsed == expected

    check()
