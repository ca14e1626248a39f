"""AWS wire protocols: request decoding, validation, response encoding and error documents.

The query protocol (IAM, STS) is driven entirely by botocore's service models::

    models = ServiceModels()
    spec = models.operation("iam", "CreateRole")      # InvalidAction if unknown
    request = spec.decode(parse_qsl(body))             # MalformedInput / ValidationError
    body = spec.encode_result(result, request_id)      # <CreateRoleResponse ...>
    body = encode_error(error, request_id, spec.xmlns) # <ErrorResponse ...>
"""

from .errors import (
    AccessDenied,
    AWSError,
    ConcurrentModification,
    DeleteConflict,
    EntityAlreadyExists,
    InternalFailure,
    InvalidAction,
    InvalidInput,
    InvalidParameterValue,
    LimitExceeded,
    MalformedInput,
    MalformedPolicyDocument,
    MalformedQueryString,
    MissingAction,
    NoSuchEntity,
    ServiceUnavailable,
    UnmodifiableEntity,
    ValidationError,
)
from .model import OperationSpec, ServiceModels
from .patterns import UnsupportedPattern, compile_java, java_to_python
from .query_encode import encode_error, format_timestamp, xml_escape

__all__ = [
    "AWSError",
    "AccessDenied",
    "ConcurrentModification",
    "DeleteConflict",
    "EntityAlreadyExists",
    "InternalFailure",
    "InvalidAction",
    "InvalidInput",
    "InvalidParameterValue",
    "LimitExceeded",
    "MalformedInput",
    "MalformedPolicyDocument",
    "MalformedQueryString",
    "MissingAction",
    "NoSuchEntity",
    "OperationSpec",
    "ServiceModels",
    "ServiceUnavailable",
    "UnmodifiableEntity",
    "UnsupportedPattern",
    "ValidationError",
    "compile_java",
    "encode_error",
    "format_timestamp",
    "java_to_python",
    "xml_escape",
]
