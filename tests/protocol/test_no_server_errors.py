"""No input the model allows makes the server fail: every IAM and STS operation,
sent random valid parameters by boto3 (as the account's root user), answers with
a result or an AWS client error, never a 5xx (other than 501 for the operations
rolecall does not implement) and never a response botocore cannot parse.

The values are random, so most calls end in NoSuchEntity, ValidationError,
MalformedPolicyDocument and the like: the point is that each operation's error
paths hold for inputs nobody wrote a test for.
"""

from __future__ import annotations

from typing import Any

import botocore.session
import pytest
from botocore.exceptions import ClientError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from protocol_strategies import valid_input

_SESSION = botocore.session.get_session()
_OPERATIONS = [
    (service, name)
    for service in ("iam", "sts")
    for name in _SESSION.get_service_model(service).operation_names
]


@pytest.mark.parametrize(("service", "operation"), _OPERATIONS)
@settings(
    max_examples=5,
    derandomize=True,  # the same inputs in CI; run with more examples to hunt
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_no_server_error(account: Any, service: str, operation: str, data: st.DataObject) -> None:
    model = _SESSION.get_service_model(service).operation_model(operation)
    params = data.draw(valid_input(model.input_shape, service)) if model.input_shape else {}
    client = account.client(service, validate=False)
    try:
        client._make_api_call(operation, params)
    except ClientError as exc:
        status = exc.response["ResponseMetadata"]["HTTPStatusCode"]
        code = exc.response["Error"]["Code"]
        assert status < 500 or (status, code) == (501, "NotImplemented"), (status, code, params)
