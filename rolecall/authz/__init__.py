"""How AWS authorizes each IAM and STS operation: the action, the resource ARN it is
evaluated against and the condition keys the request supplies.

The data lives in ``rolecall/data/{iam,sts}-authorization.json``; :mod:`rolecall.authz.spec`
loads it into typed, frozen objects. See ``docs/authorization-table.md``.
"""

from rolecall.authz.spec import (
    SERVICES,
    AccessLevel,
    AdditionalAction,
    ConditionKeyDef,
    ConditionKeyUse,
    DefaultResource,
    Evaluation,
    KeySource,
    OperationAuth,
    ResourceKind,
    ResourceSpec,
    ResourceType,
    ServiceAuth,
    SpecError,
    Transform,
    load_operation_auth,
    load_service_auth,
    parse_service_auth,
)

__all__ = [
    "SERVICES",
    "AccessLevel",
    "AdditionalAction",
    "ConditionKeyDef",
    "ConditionKeyUse",
    "DefaultResource",
    "Evaluation",
    "KeySource",
    "OperationAuth",
    "ResourceKind",
    "ResourceSpec",
    "ResourceType",
    "ServiceAuth",
    "SpecError",
    "Transform",
    "load_operation_auth",
    "load_service_auth",
    "parse_service_auth",
]
