"""Parse a policy document into its :mod:`~rolecall.policy.ast` form.

The checks run in the order AWS's own validator appears to run them, so that a
document with several problems gets the message AWS would print first:

1. JSON and the grammar's shape (``Syntax errors in policy.``)
2. the ``Version`` rule for the kind of policy
3. "legacy parsing": effect spelling, date values, resource ARN shapes
4. statement ids, then actions, then resource formats, then action prefixes
5. the per-kind rules of :mod:`rolecall.policy.rules`

Only :class:`~rolecall.policy.errors.PolicyError` ever leaves this module, whatever
the input: deep nesting, wrong types and odd Unicode included.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

from .ast import (
    VERSION_2008,
    VERSION_2012,
    ConditionClause,
    Effect,
    Policy,
    PolicyKind,
    Principals,
    Statement,
)
from .dates import is_valid_policy_date
from .errors import PolicyError, PolicySyntaxError
from .grammar import (
    CONDITION_OPERATORS,
    IAM_RESOURCE_PREFIXES,
    PARTITIONS,
    PRINCIPAL_TYPES,
    SET_OPERATORS,
    STATEMENT_ELEMENTS,
    TOP_LEVEL_ELEMENTS,
)
from .rules import check_kind_rules

_SID = re.compile(r"[0-9A-Za-z]*")
_VENDOR = re.compile(r"[A-Za-z0-9*?-]+")
_SERVICE = re.compile(r"[A-Za-z0-9-]+")
_IAM_KINDS = frozenset(
    {PolicyKind.IDENTITY, PolicyKind.MANAGED, PolicyKind.TRUST, PolicyKind.BOUNDARY}
)
_VERSION_REQUIRED = frozenset({PolicyKind.MANAGED, PolicyKind.BOUNDARY})


def load_json(text: str | bytes) -> Any:
    """Decode JSON as AWS does, raising only :class:`PolicySyntaxError`."""
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError:
            raise PolicySyntaxError() from None
    try:
        return json.loads(text, parse_constant=_reject_constant)
    except (ValueError, RecursionError):
        raise PolicySyntaxError() from None


def _reject_constant(name: str) -> Any:
    # NaN/Infinity are not JSON; Python's decoder accepts them by default.
    raise ValueError(name)


def parse_policy(text: str, kind: PolicyKind = PolicyKind.IDENTITY) -> Policy:
    """Parse and validate ``text`` as a policy of ``kind``.

    Raises:
        PolicyError: with AWS's code and message for the first violation found.
    """
    doc = load_json(text)
    statements = _check_shape(doc)
    version = doc.get("Version")
    if kind in _VERSION_REQUIRED and version != VERSION_2012:
        raise PolicyError("Policy document must be version 2012-10-17 or greater.")
    _legacy_parse(statements)
    _check_sids(statements, iam_rules=kind in _IAM_KINDS)
    for raw in statements:
        if not raw.get("Action") and not raw.get("NotAction"):
            raise PolicyError("Policy statement must contain actions.")
    for raw in statements:
        for resource in _strings(raw, "Resource", "NotResource"):
            _check_resource_format(resource)
    for raw in statements:
        for action in _strings(raw, "Action", "NotAction"):
            _check_action_format(action)
    policy = Policy(
        version=version,
        id=doc.get("Id"),
        statements=tuple(_build_statement(i, raw) for i, raw in enumerate(statements)),
        text=text,
    )
    check_kind_rules(policy, kind)
    return policy


# -- 1. shape -----------------------------------------------------------------


def _check_shape(doc: Any) -> list[dict[str, Any]]:
    if not isinstance(doc, dict):
        raise PolicySyntaxError()
    if not TOP_LEVEL_ELEMENTS.issuperset(doc):
        raise PolicySyntaxError()
    version = doc.get("Version", VERSION_2008)
    if version not in (VERSION_2008, VERSION_2012):
        raise PolicySyntaxError()
    if "Id" in doc and not isinstance(doc["Id"], str):
        raise PolicySyntaxError()
    raw_statements = doc.get("Statement")
    if isinstance(raw_statements, dict):
        statements = [raw_statements]
    elif isinstance(raw_statements, list) and raw_statements:
        statements = raw_statements
    else:
        raise PolicySyntaxError()
    for statement in statements:
        _check_statement_shape(statement)
    return statements


def _check_statement_shape(st: Any) -> None:
    if not isinstance(st, dict) or not STATEMENT_ELEMENTS.issuperset(st):
        raise PolicySyntaxError()
    for a, b in (
        ("Action", "NotAction"),
        ("Resource", "NotResource"),
        ("Principal", "NotPrincipal"),
    ):
        if a in st and b in st:
            raise PolicySyntaxError()
    if "Effect" not in st:
        raise PolicyError("Missing required field Effect")
    if not isinstance(st["Effect"], str):
        raise PolicySyntaxError()
    if "Sid" in st and not isinstance(st["Sid"], str):
        raise PolicySyntaxError()
    for key in ("Action", "NotAction", "Resource", "NotResource"):
        if key in st and not _is_string_or_strings(st[key]):
            raise PolicySyntaxError()
    for key in ("Principal", "NotPrincipal"):
        if key in st:
            _check_principal_shape(st[key])
    if "Condition" in st:
        _check_condition_shape(st["Condition"])


def _is_string_or_strings(value: Any) -> bool:
    if isinstance(value, str):
        return True
    return isinstance(value, list) and all(isinstance(v, str) for v in value)


def _check_principal_shape(value: Any) -> None:
    if value == "*":
        return
    if not isinstance(value, dict) or not value or not PRINCIPAL_TYPES.issuperset(value):
        raise PolicySyntaxError()
    for v in value.values():
        if not _is_string_or_strings(v) or v == []:
            raise PolicySyntaxError()


def _check_condition_shape(value: Any) -> None:
    if not isinstance(value, dict):
        raise PolicySyntaxError()
    for operator, block in value.items():
        if _split_operator(operator) is None or not isinstance(block, dict):
            raise PolicySyntaxError()
        for key, values in block.items():
            if not key or not _is_condition_values(values):
                raise PolicySyntaxError()


def _is_condition_values(value: Any) -> bool:
    if isinstance(value, list):
        return bool(value) and all(_is_scalar(v) for v in value)
    return _is_scalar(value)


def _is_scalar(value: Any) -> bool:
    return isinstance(value, str | bool | int | float)


def _split_operator(operator: str) -> tuple[str | None, str, bool] | None:
    """``ForAnyValue:StringLikeIfExists`` → ``("ForAnyValue", "StringLike", True)``."""
    set_operator: str | None = None
    base = operator
    prefix, sep, rest = operator.partition(":")
    if sep:
        if prefix not in SET_OPERATORS:
            return None
        set_operator, base = prefix, rest
    if_exists = base.endswith("IfExists") and base != "IfExists"
    if if_exists:
        base = base[: -len("IfExists")]
    if base not in CONDITION_OPERATORS or (if_exists and base == "Null"):
        return None
    return set_operator, base, if_exists


# -- 3. legacy parsing ----------------------------------------------------------


def _legacy_parse(statements: list[dict[str, Any]]) -> None:
    for st in statements:
        if st["Effect"] not in ("Allow", "Deny"):
            raise PolicyError("The policy failed legacy parsing")
        for operator, block in st.get("Condition", {}).items():
            split = _split_operator(operator)
            if split is None or not split[1].startswith("Date"):
                continue
            for values in block.values():
                for v in values if isinstance(values, list) else [values]:
                    if not is_valid_policy_date(_scalar_text(v)):
                        raise PolicyError("The policy failed legacy parsing")
        for resource in _strings(st, "Resource", "NotResource"):
            if resource != "*" and resource.count(":") < 5 and "::" in resource:
                raise PolicyError("The policy failed legacy parsing")


# -- 4. element checks ------------------------------------------------------------


def _check_sids(statements: list[dict[str, Any]], *, iam_rules: bool) -> None:
    seen: set[str] = set()
    for st in statements:
        sid = st.get("Sid")
        if sid is None:
            continue
        if iam_rules and not _SID.fullmatch(sid):
            raise PolicyError(
                "Statement IDs (SID) must be alpha-numeric. Check that your input "
                "satisfies the regular expression [0-9A-Za-z]*"
            )
        if sid and sid in seen:
            raise PolicyError("Statement IDs (SID) in a single policy must be unique.")
        seen.add(sid)


def _check_action_format(action: str) -> None:
    if action == "*":
        return
    vendor, sep, rest = action.partition(":")
    if not sep:
        raise PolicyError(
            "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc."
        )
    if ":" in rest:
        raise PolicyError("Actions/Condition can contain only one colon.")
    if not _VENDOR.fullmatch(vendor):
        raise PolicyError(f"Vendor {vendor} is not valid")


def _check_resource_format(resource: str) -> None:
    if resource == "*":
        return
    parts = resource.split(":", 5)
    if len(parts) < 2:
        raise PolicyError(f'Resource {resource} must be in ARN format or "*".')
    partition = parts[1]
    if partition != "*" and partition not in PARTITIONS:
        rest = parts[2:] + ["*"] * (4 - len(parts[2:]))
        service, region, account, tail = rest[0] or "*", rest[1], rest[2], ":".join(rest[3:]) or "*"
        raise PolicyError(
            f'Partition "{partition}" is not valid for resource '
            f'"arn:{partition}:{service}:{region}:{account}:{tail}".'
        )
    service = parts[2] if len(parts) > 2 else ""
    if service != "*" and (not service or not _SERVICE.fullmatch(service)):
        raise PolicyError("Resource vendor must be fully qualified and cannot contain regexes.")
    if parts[2] == "iam" and len(parts) >= 6:
        if parts[3]:
            raise PolicyError(f"IAM resource {resource} cannot contain region information.")
        tail = parts[5]
        if tail != "*" and not tail.startswith(IAM_RESOURCE_PREFIXES) and tail != "root":
            raise PolicyError(
                'IAM resource path must either be "*" or start with '
                + ", ".join(IAM_RESOURCE_PREFIXES)
                + "."
            )
    # Buckets and objects have neither region nor account; S3's regional resource
    # types (access points, access grants, batch jobs, Storage Lens) name an account.
    if parts[2] == "s3" and len(parts) >= 6 and parts[3] and not parts[4]:
        raise PolicyError(f"Resource {resource} can not contain region information.")


# -- building the AST ------------------------------------------------------------------


def _strings(st: dict[str, Any], *keys: str) -> Iterator[str]:
    for key in keys:
        value = st.get(key)
        if isinstance(value, str):
            yield value
        elif isinstance(value, list):
            yield from value


def _as_tuple(value: str | list[str]) -> tuple[str, ...]:
    return (value,) if isinstance(value, str) else tuple(value)


def _scalar_text(value: str | bool | int | float) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _build_statement(index: int, st: dict[str, Any]) -> Statement:
    not_action = "NotAction" in st
    not_resource = "NotResource" in st
    not_principal = "NotPrincipal" in st
    resources_raw = st.get("NotResource" if not_resource else "Resource")
    principal_raw = st.get("NotPrincipal" if not_principal else "Principal")
    return Statement(
        index=index,
        sid=st.get("Sid"),
        effect=Effect.ALLOW if st["Effect"] == "Allow" else Effect.DENY,
        actions=_as_tuple(st["NotAction" if not_action else "Action"]),
        not_action=not_action,
        resources=None if resources_raw is None else _as_tuple(resources_raw),
        not_resource=not_resource,
        principals=None if principal_raw is None else _build_principals(principal_raw),
        not_principal=not_principal,
        conditions=tuple(_build_conditions(st.get("Condition", {}))),
    )


def _build_principals(raw: str | dict[str, str | list[str]]) -> Principals:
    if raw == "*":
        return Principals(wildcard=True)
    assert isinstance(raw, dict)
    return Principals(
        aws=_as_tuple(raw.get("AWS", [])),
        service=_as_tuple(raw.get("Service", [])),
        federated=_as_tuple(raw.get("Federated", [])),
        canonical_user=_as_tuple(raw.get("CanonicalUser", [])),
    )


def _build_conditions(raw: dict[str, dict[str, Any]]) -> Iterator[ConditionClause]:
    for operator, block in raw.items():
        split = _split_operator(operator)
        assert split is not None  # checked by _check_condition_shape
        set_operator, base, if_exists = split
        for key, values in block.items():
            items = values if isinstance(values, list) else [values]
            yield ConditionClause(
                operator=operator,
                base=base,
                set_operator=set_operator,
                if_exists=if_exists,
                key=key,
                values=tuple(_scalar_text(v) for v in items),
            )
