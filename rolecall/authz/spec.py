"""Typed view of how AWS authorizes each IAM and STS operation.

The facts live in ``rolecall/data/{iam,sts}-authorization.json`` (see
``docs/authorization-table.md`` for what each field means and where it came from).
This module parses those files into frozen dataclasses, checks that they are
internally consistent (every resource type and condition key an operation names is
defined, every enum value is known) and caches the result, so the server can ask
"which action, on which resource, with which condition keys?" before it runs an
operation.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from types import MappingProxyType
from typing import Final, Literal, TypeAlias, cast, get_args

AccessLevel: TypeAlias = Literal["List", "Read", "Write", "Permissions management", "Tagging"]
"""Access level column of the Service Authorization Reference."""

Evaluation: TypeAlias = Literal["identity", "identity-and-trust-policy", "trust-policy", "none"]
"""Which policies decide: the caller's identity policies, plus the role trust policy, the
trust policy alone (unsigned federation calls), or nothing at all."""

ResourceKind: TypeAlias = Literal[
    "none",
    "entity",
    "caller",
    "request",
    "arn",
    "list",
    "derived",
    "renamed",
    "serviceLinkedRole",
    "generated",
    "accountRoot",
]
"""How the resource ARN is obtained; see docs/authorization-table.md."""

KeySource: TypeAlias = Literal[
    "param", "tags", "tagKeys", "resource", "session", "token", "context"
]
"""Where a condition key's value comes from."""

DefaultResource: TypeAlias = Literal["caller"]
Transform: TypeAlias = Literal["stripScheme"]

SERVICES: Final = ("iam", "sts")

_ACTION = re.compile(r"^[a-z0-9-]+:[A-Za-z][A-Za-z0-9-]*$")
_TEMPLATE_VAR = re.compile(r"\$\{([A-Za-z]+)\}")


class SpecError(ValueError):
    """The authorization data is missing, malformed or inconsistent."""


@dataclass(frozen=True)
class ResourceSpec:
    """How to build the resource ARN AWS evaluates for one action.

    ``types`` holds one resource type, except for ``kind == "arn"`` where the request
    may name any of several (e.g. a user, group or role ARN).
    """

    kind: ResourceKind
    types: tuple[str, ...] = ()
    param: str | None = None
    path_param: str | None = None
    path_prefix_param: str | None = None
    current_param: str | None = None
    suffix_param: str | None = None
    default: DefaultResource | None = None
    transform: Transform | None = None

    @property
    def is_wildcard(self) -> bool:
        """True when the action has no resource type and AWS evaluates ``*``."""
        return self.kind == "none"

    @property
    def params(self) -> tuple[str, ...]:
        """Every request parameter (dotted path) this spec reads."""
        names = (
            self.param,
            self.path_param,
            self.path_prefix_param,
            self.current_param,
            self.suffix_param,
        )
        return tuple(name for name in names if name is not None)


@dataclass(frozen=True)
class ConditionKeyUse:
    """One condition key an action supplies, and where its value comes from."""

    key: str
    source: KeySource
    param: str | None = None


@dataclass(frozen=True)
class AdditionalAction:
    """A further action the same request is authorized for (e.g. ``sts:TagSession``).

    ``when`` lists the request parameters whose presence triggers the check (empty:
    always); entries starting with ``token:`` name token or assertion contents instead.
    """

    action: str
    resource: ResourceSpec
    when: tuple[str, ...]
    condition_keys: tuple[ConditionKeyUse, ...]
    note: str | None = None


@dataclass(frozen=True)
class OperationAuth:
    """Everything AWS evaluates to authorize one API operation."""

    service: str
    operation: str
    action: str
    access_level: AccessLevel
    read_only: bool
    evaluation: Evaluation
    resource: ResourceSpec
    condition_keys: tuple[ConditionKeyUse, ...]
    dependent_actions: tuple[str, ...]
    additional_actions: tuple[AdditionalAction, ...]
    note: str | None = None

    @property
    def requires_authorization(self) -> bool:
        """False for operations policies cannot control (GetCallerIdentity, GetSessionToken)."""
        return self.evaluation != "none"


@dataclass(frozen=True)
class ResourceType:
    """A resource type from the reference, with its ARN template."""

    name: str
    arn_template: str
    condition_keys: tuple[str, ...]
    note: str | None = None

    @property
    def has_path(self) -> bool:
        """True when the entity's path is part of its ARN (users, roles, policies, ...)."""
        return "WithPath}" in self.arn_template

    def format_arn(self, *, partition: str, account: str, name: str, path: str = "/") -> str:
        """The ARN of the entity ``name`` at ``path`` (``path`` is ignored for path-less types)."""
        head = self._head(partition, account)
        if not self.has_path:
            return head + name
        _check_path(path)
        # The template's single variable ("...NameWithPath") stands for path + name.
        return head + path[1:] + name

    def format_prefix_arn(self, *, partition: str, account: str, path_prefix: str = "/") -> str:
        """The pseudo-ARN list operations are evaluated against, e.g. ``...:role/``."""
        head = self._head(partition, account)
        if not self.has_path:
            return head
        # A prefix need not end in "/" (AWS lists "/division" and "/division_abc/"
        # alike); the request model already requires the leading one.
        if not path_prefix.startswith("/"):
            raise ValueError(f"an IAM path prefix must begin with '/': {path_prefix!r}")
        return head + path_prefix[1:]

    def _head(self, partition: str, account: str) -> str:
        """The template with partition and account filled in and its name variable cut off."""
        text = self.arn_template.replace("${Partition}", partition).replace("${Account}", account)
        variables = _TEMPLATE_VAR.findall(text)
        if len(variables) != 1:
            raise ValueError(
                f"resource type {self.name!r} needs more than a name: {self.arn_template}"
            )
        marker = "${" + variables[0] + "}"
        if not text.endswith(marker):
            raise ValueError(
                f"resource type {self.name!r} has text after its name: {self.arn_template}"
            )
        return text[: -len(marker)]


@dataclass(frozen=True)
class ConditionKeyDef:
    """A condition key's declared type (String, ARN, ArrayOfString, ...)."""

    key: str
    type: str
    description: str


@dataclass(frozen=True, eq=False)
class ServiceAuth:
    """The whole authorization table of one service."""

    service: str
    api_version: str
    sources: tuple[str, ...]
    resource_types: Mapping[str, ResourceType]
    condition_keys: Mapping[str, ConditionKeyDef]
    operations: Mapping[str, OperationAuth]


def _check_path(path: str) -> None:
    if not (path.startswith("/") and path.endswith("/")):
        raise ValueError(f"an IAM path must begin and end with '/': {path!r}")


@cache
def load_service_auth(service: str) -> ServiceAuth:
    """Parse and validate the bundled table for ``service`` ("iam" or "sts"); cached."""
    if service not in SERVICES:
        raise SpecError(f"no authorization data for service {service!r}")
    data_dir = resources.files("rolecall").joinpath("data")
    resource = data_dir.joinpath(f"{service}-authorization.json")
    try:
        raw: object = json.loads(resource.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise SpecError(f"cannot read authorization data for {service}: {exc}") from exc
    parsed = parse_service_auth(raw)
    if parsed.service != service:
        raise SpecError(f"{service}-authorization.json describes service {parsed.service!r}")
    return parsed


def load_operation_auth(service: str) -> Mapping[str, OperationAuth]:
    """Operation name -> how AWS authorizes it, for ``service`` ("iam" or "sts"); cached."""
    return load_service_auth(service).operations


# --------------------------------------------------------------------------- parsing


def parse_service_auth(raw: object) -> ServiceAuth:
    """Build a :class:`ServiceAuth` from decoded JSON, raising :class:`SpecError` if invalid."""
    top = _obj(
        raw,
        "top level",
        {"service", "apiVersion", "sources", "resourceTypes", "conditionKeys", "operations"},
    )
    service = _str(top, "service", "top level")
    key_defs = {
        key: ConditionKeyDef(key, _str(d, "type", key), _str(d, "description", key))
        for key, value in _obj(top.get("conditionKeys"), "conditionKeys").items()
        for d in [_obj(value, key, {"type", "description"})]
    }
    types: dict[str, ResourceType] = {}
    for name, value in _obj(top.get("resourceTypes"), "resourceTypes").items():
        d = _obj(value, f"resource type {name}", {"arn", "conditionKeys", "note"})
        keys = _str_tuple(d, "conditionKeys", name)
        _known_keys(keys, key_defs, f"resource type {name}")
        types[name] = ResourceType(name, _str(d, "arn", name), keys, _opt_str(d, "note", name))
    operations = {
        name: _operation(service, name, value, types, key_defs)
        for name, value in _obj(top.get("operations"), "operations").items()
    }
    return ServiceAuth(
        service=service,
        api_version=_str(top, "apiVersion", "top level"),
        sources=_str_tuple(top, "sources", "top level"),
        resource_types=MappingProxyType(types),
        condition_keys=MappingProxyType(key_defs),
        operations=MappingProxyType(operations),
    )


def _operation(
    service: str,
    name: str,
    value: object,
    types: Mapping[str, ResourceType],
    key_defs: Mapping[str, ConditionKeyDef],
) -> OperationAuth:
    d = _obj(
        value,
        name,
        {
            "action",
            "accessLevel",
            "readOnly",
            "evaluation",
            "resource",
            "conditionKeys",
            "dependentActions",
            "additionalActions",
            "note",
        },
    )
    action = _action(_str(d, "action", name), name)
    if not action.startswith(service + ":"):
        raise SpecError(f"{name}: action {action!r} is not in the {service} namespace")
    extra = d.get("additionalActions")
    if not isinstance(extra, list):
        raise SpecError(f"{name}: additionalActions must be a list")
    dependent = _str_tuple(d, "dependentActions", name)
    for dep in dependent:
        _action(dep, name)
    return OperationAuth(
        service=service,
        operation=name,
        action=action,
        access_level=cast(AccessLevel, _choice(_str(d, "accessLevel", name), AccessLevel, name)),
        read_only=_bool(d, "readOnly", name),
        evaluation=cast(Evaluation, _choice(_str(d, "evaluation", name), Evaluation, name)),
        resource=_resource(d.get("resource"), types, name),
        condition_keys=_key_uses(d.get("conditionKeys"), key_defs, name),
        dependent_actions=dependent,
        additional_actions=tuple(_additional(item, types, key_defs, name) for item in extra),
        note=_opt_str(d, "note", name),
    )


def _additional(
    value: object,
    types: Mapping[str, ResourceType],
    key_defs: Mapping[str, ConditionKeyDef],
    where: str,
) -> AdditionalAction:
    d = _obj(
        value, f"{where} additional action", {"action", "resource", "when", "conditionKeys", "note"}
    )
    action = _action(_str(d, "action", where), where)
    return AdditionalAction(
        action=action,
        resource=_resource(d.get("resource"), types, f"{where} {action}"),
        when=_str_tuple(d, "when", where),
        condition_keys=_key_uses(d.get("conditionKeys"), key_defs, f"{where} {action}"),
        note=_opt_str(d, "note", where),
    )


# Which fields each resource kind needs (beyond "kind"), and how many types it names.
_KIND_FIELDS: Final[Mapping[str, tuple[frozenset[str], frozenset[str], int]]] = {
    "none": (frozenset(), frozenset(), 0),
    "entity": (frozenset({"type", "param"}), frozenset({"default"}), 1),
    "caller": (frozenset({"type"}), frozenset(), 1),
    "request": (frozenset({"type", "param"}), frozenset({"pathParam", "transform"}), 1),
    "arn": (frozenset({"types", "param"}), frozenset(), -1),
    "list": (frozenset({"type"}), frozenset({"pathPrefixParam"}), 1),
    "derived": (frozenset({"type", "param"}), frozenset(), 1),
    "renamed": (frozenset({"type", "param", "pathParam", "currentParam"}), frozenset(), 1),
    "serviceLinkedRole": (frozenset({"type", "param"}), frozenset({"suffixParam"}), 1),
    "generated": (frozenset({"type"}), frozenset(), 1),
    "accountRoot": (frozenset({"type", "param"}), frozenset(), 1),
}


def _resource(value: object, types: Mapping[str, ResourceType], where: str) -> ResourceSpec:
    everything = {
        "kind",
        "type",
        "types",
        "param",
        "pathParam",
        "pathPrefixParam",
        "currentParam",
        "suffixParam",
        "default",
        "transform",
    }
    d = _obj(value, f"{where} resource", everything)
    kind = cast(ResourceKind, _choice(_str(d, "kind", where), ResourceKind, where))
    required, optional, count = _KIND_FIELDS[kind]
    present = set(d) - {"kind"}
    if not required <= present or not present <= required | optional:
        raise SpecError(
            f"{where}: resource kind {kind!r} takes {sorted(required)} "
            f"(optionally {sorted(optional)}), got {sorted(present)}"
        )
    names = (
        _str_tuple(d, "types", where)
        if "types" in d
        else ((_str(d, "type", where),) if "type" in d else ())
    )
    if (count == -1 and not names) or (count >= 0 and len(names) != count):
        raise SpecError(f"{where}: resource kind {kind!r} names the wrong number of types")
    for name in names:
        if name not in types:
            raise SpecError(f"{where}: unknown resource type {name!r}")
    default = _opt_str(d, "default", where)
    transform = _opt_str(d, "transform", where)
    return ResourceSpec(
        kind=kind,
        types=names,
        param=_opt_str(d, "param", where),
        path_param=_opt_str(d, "pathParam", where),
        path_prefix_param=_opt_str(d, "pathPrefixParam", where),
        current_param=_opt_str(d, "currentParam", where),
        suffix_param=_opt_str(d, "suffixParam", where),
        default=None
        if default is None
        else cast(DefaultResource, _choice(default, DefaultResource, where)),
        transform=None
        if transform is None
        else cast(Transform, _choice(transform, Transform, where)),
    )


_SOURCES_WITH_PARAM: Final = frozenset({"param", "tags", "tagKeys"})


def _key_uses(
    value: object, key_defs: Mapping[str, ConditionKeyDef], where: str
) -> tuple[ConditionKeyUse, ...]:
    if not isinstance(value, list):
        raise SpecError(f"{where}: conditionKeys must be a list")
    uses = []
    for item in value:
        d = _obj(item, f"{where} condition key", {"key", "source", "param"})
        key = _str(d, "key", where)
        source = cast(KeySource, _choice(_str(d, "source", where), KeySource, where))
        param = _opt_str(d, "param", where)
        if (param is not None) != (source in _SOURCES_WITH_PARAM):
            raise SpecError(
                f"{where}: condition key {key} with source {source!r} "
                f"{'needs' if param is None else 'takes no'} param"
            )
        uses.append(ConditionKeyUse(key, source, param))
    _known_keys(tuple(use.key for use in uses), key_defs, where)
    return tuple(uses)


def _known_keys(keys: tuple[str, ...], key_defs: Mapping[str, ConditionKeyDef], where: str) -> None:
    for key in keys:
        if key not in key_defs:
            raise SpecError(f"{where}: condition key {key!r} is not defined")


def _action(value: str, where: str) -> str:
    if not _ACTION.match(value):
        raise SpecError(f"{where}: malformed action {value!r}")
    return value


def _obj(value: object, where: str, allowed: set[str] | None = None) -> Mapping[str, object]:
    if not isinstance(value, dict) or not all(isinstance(k, str) for k in value):
        raise SpecError(f"{where}: expected a JSON object")
    if allowed is not None and not set(value) <= allowed:
        raise SpecError(f"{where}: unexpected fields {sorted(set(value) - allowed)}")
    return cast(Mapping[str, object], value)


def _str(d: Mapping[str, object], key: str, where: str) -> str:
    value = d.get(key)
    if not isinstance(value, str) or not value:
        raise SpecError(f"{where}: {key} must be a non-empty string")
    return value


def _opt_str(d: Mapping[str, object], key: str, where: str) -> str | None:
    return None if d.get(key) is None else _str(d, key, where)


def _bool(d: Mapping[str, object], key: str, where: str) -> bool:
    value = d.get(key)
    if not isinstance(value, bool):
        raise SpecError(f"{where}: {key} must be true or false")
    return value


def _str_tuple(d: Mapping[str, object], key: str, where: str) -> tuple[str, ...]:
    value = d.get(key)
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise SpecError(f"{where}: {key} must be a list of non-empty strings")
    return tuple(cast(list[str], value))


def _choice(value: str, alias: object, where: str) -> str:
    """``value`` if it is one of the members of the ``Literal`` alias, else SpecError."""
    allowed = get_args(alias)
    if value not in allowed:
        raise SpecError(f"{where}: {value!r} is not one of {list(allowed)}")
    return value
