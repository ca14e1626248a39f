"""Reading the policy simulator's request parameters, with AWS's InvalidInput errors.

Everything here is pure: context entries become the request context, ARNs are
checked for the shapes the simulator accepts, ``PolicyExclusionList`` entries
become matchers, and policy documents yield the context keys they read
(``GetContextKeysFor*Policy``).
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from rolecall.policy import VERSION_2012, Policy
from rolecall.policy.dates import parse_date
from rolecall.policy.variables import ContextValues, parse_template, referenced_keys
from rolecall.protocol.errors import InvalidInput

_ARN_SHAPE = re.compile(r"arn:[^:]+:[^:]+:[^:]*:[^:]*:.+", re.DOTALL)
_ENTITY_ARN = re.compile(r"arn:aws[a-z-]*:iam::(\d{12}):(user|group|role)(/(?:.*/)?)([^/]+)")
_ACCOUNT = re.compile(r"\d{12}")
_ROOT_ARN = re.compile(r"arn:aws[a-z-]*:iam::(\d{12}):root")
_ACTION = re.compile(r"[A-Za-z0-9-]+:[^\s:]+")
_POLICY_ARN = re.compile(r"arn:aws[a-z-]*:iam::(?:aws|\d{12}):policy/(.+)")
_BOOLEANS = frozenset({"true", "false"})


@dataclass(frozen=True, slots=True)
class EntityArn:
    """An IAM user, group or role ARN taken apart."""

    arn: str
    account: str
    kind: str  # user | group | role
    path: str
    name: str


def entity_arn(arn: str) -> EntityArn:
    """Parse a ``PolicySourceArn``/``CallerArn``: a user, group or role ARN."""
    m = _ENTITY_ARN.fullmatch(arn)
    if m is None:
        raise InvalidInput(f"Invalid Entity Arn: {arn}")
    return EntityArn(arn, m.group(1), m.group(2), m.group(3), m.group(4))


def resource_arns(values: Sequence[str] | None) -> list[str] | None:
    """The simulated resources, each ``*`` or an ARN.

    ``None`` stands for "all resources": the parameter was left out or lists only
    ``*``, which AWS answers alike (no per-resource results).
    """
    if not values or all(v == "*" for v in values):
        return None
    bad = [v for v in values if v != "*" and not _ARN_SHAPE.fullmatch(v)]
    if bad:
        raise InvalidInput(f"ResourceNames are not in a valid ARN format: {', '.join(bad)}.")
    return list(values)


def resource_owner(value: str | None) -> str | None:
    """The account of ``ResourceOwner`` (an account id or ``arn:aws:iam::ID:root``)."""
    if value is None:
        return None
    if _ACCOUNT.fullmatch(value):
        return value
    m = _ROOT_ARN.fullmatch(value)
    if m is None:
        raise InvalidInput(f"'{value}' is not a valid as a Resource Owner.")
    return m.group(1)


def action_names(values: Sequence[str]) -> list[str]:
    """The simulated actions, each ``service:Action``."""
    for name in values:
        if not _ACTION.fullmatch(name):
            raise InvalidInput(f"Action name {name} is not in the format service:action.")
    return list(values)


# -- context entries -------------------------------------------------------------------


def _is_number(value: str) -> bool:
    try:
        return Decimal(value).is_finite()
    except InvalidOperation:
        return False


def _is_ip(value: str) -> bool:
    try:
        ipaddress.ip_network(value, strict=False)
    except ValueError:
        return False
    return True


def _is_binary(value: str) -> bool:
    try:
        base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        return False
    return True


_VALID = {
    "string": lambda v: True,
    "numeric": _is_number,
    "boolean": lambda v: v.lower() in _BOOLEANS,
    "date": lambda v: parse_date(v) is not None,
    "ip": _is_ip,
    "binary": _is_binary,
}


def context_values(entries: Sequence[Mapping[str, Any]] | None) -> ContextValues:
    """The request context of a simulation: lower-cased key → values.

    A single-valued type (``string``, ``numeric`` ...) takes exactly one value;
    its ``...List`` form any number.  Values must read as their type.
    """
    out: ContextValues = {}
    for entry in entries or ():
        name = entry.get("ContextKeyName")
        if not name:
            raise InvalidInput("ContextKeyName must be specified for every context entry.")
        values = [str(v) for v in entry.get("ContextKeyValues") or ()]
        kind = entry.get("ContextKeyType") or ("string" if len(values) == 1 else "stringList")
        base = kind[:-4] if kind.endswith("List") else kind
        check = _VALID.get(base)
        if check is None:
            raise InvalidInput(f"Invalid ContextKeyType {kind} for context key {name}.")
        if base == kind and len(values) != 1:
            raise InvalidInput(
                f"Context key {name} of type {kind} must have exactly one value; "
                f"use {kind}List for several."
            )
        for value in values:
            if not check(value):
                raise InvalidInput(f"Invalid value {value} for context key {name} of type {kind}.")
        out[name.lower()] = tuple(values)
    return out


# -- PolicyExclusionList ---------------------------------------------------------------

#: The categories of policies a principal has, as PolicyExclusionList names them.
INLINE, AWS_MANAGED, USER_MANAGED, BOUNDARY = (
    "inline",
    "aws-managed",
    "user-managed",
    "permission-boundary",
)


@dataclass(frozen=True, slots=True)
class PolicyFacts:
    """What a ``PolicyIdentifier`` can match a principal's policy by."""

    category: str
    arn: str | None = None
    attachment_type: str | None = None
    attachment_name: str | None = None
    policy_name: str | None = None


@dataclass(frozen=True, slots=True)
class Exclusion:
    """One ``PolicyIdentifier``: by policy type, by (wildcard) ARN, or inline by name."""

    policy_type: str | None = None
    arn: re.Pattern[str] | None = None
    inline: tuple[str, str, re.Pattern[str]] | None = None

    def excludes(self, facts: PolicyFacts) -> bool:
        """Whether this identifier names the policy described by ``facts``."""
        if self.policy_type is not None:
            return facts.category == self.policy_type
        if self.arn is not None:
            return facts.arn is not None and self.arn.fullmatch(facts.arn) is not None
        if self.inline is not None and facts.category == INLINE:
            name, kind, entity = self.inline
            return (
                facts.policy_name == name
                and facts.attachment_type == kind
                and entity.fullmatch(facts.attachment_name or "") is not None
            )
        return False


def _glob(pattern: str) -> re.Pattern[str]:
    parts = (".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.compile("".join(parts), re.DOTALL)


def exclusions(entries: Sequence[Mapping[str, Any]] | None) -> list[Exclusion]:
    """Parse ``PolicyExclusionList``; syntactically invalid identifiers are InvalidInput."""
    out: list[Exclusion] = []
    for entry in entries or ():
        given = [k for k in ("PolicyType", "PolicyArn", "InlinePolicyIdentifier") if entry.get(k)]
        if len(given) != 1:
            raise InvalidInput(
                "A PolicyIdentifier must specify exactly one of PolicyType, PolicyArn "
                "and InlinePolicyIdentifier."
            )
        if given[0] == "PolicyType":
            out.append(Exclusion(policy_type=str(entry["PolicyType"])))
        elif given[0] == "PolicyArn":
            arn = str(entry["PolicyArn"])
            m = _POLICY_ARN.fullmatch(arn)
            wild_head = "*" in arn[: m.start(1)] or "?" in arn[: m.start(1)] if m else True
            if m is None or wild_head or m.group(1).count("*") > 1:
                raise InvalidInput(f"Invalid policy ARN in PolicyExclusionList: {arn}")
            out.append(Exclusion(arn=_glob(arn)))
        else:
            inline = entry["InlinePolicyIdentifier"]
            out.append(
                Exclusion(
                    inline=(
                        str(inline.get("PolicyName", "")),
                        str(inline.get("AttachmentType", "")),
                        _glob(str(inline.get("AttachmentName", ""))),
                    )
                )
            )
    return out


def excluded(facts: PolicyFacts, rules: Iterable[Exclusion]) -> bool:
    """Whether any identifier of ``rules`` names the policy described by ``facts``."""
    return any(rule.excludes(facts) for rule in rules)


# -- context keys of policies ----------------------------------------------------------


def context_key_names(policies: Iterable[Policy]) -> list[str]:
    """The context keys ``policies`` read, in document order, each once (any case).

    Keys come from ``Condition`` blocks and from policy variables in resources and
    condition values (variables only count under Version 2012-10-17).
    """
    seen: dict[str, str] = {}
    for policy in policies:
        for name in _policy_keys(policy):
            seen.setdefault(name.lower(), name)
    return list(seen.values())


def _policy_keys(policy: Policy) -> Iterable[str]:
    try:
        doc = json.loads(policy.text)
    except ValueError:  # pragma: no cover - the policy was parsed from this text
        return
    variables = policy.version == VERSION_2012
    raw = doc.get("Statement") if isinstance(doc, dict) else None
    statements = [raw] if isinstance(raw, dict) else raw if isinstance(raw, list) else []
    for st in statements:
        if not isinstance(st, dict):
            continue
        for element, value in st.items():
            if element in ("Resource", "NotResource") and variables:
                yield from _variables(value)
            elif element == "Condition" and isinstance(value, dict):
                for block in value.values():
                    if not isinstance(block, dict):
                        continue
                    for key, values in block.items():
                        yield key
                        if variables:
                            yield from _variables(values)


def _variables(value: Any) -> Iterable[str]:
    items = value if isinstance(value, list) else [value]
    for item in items:
        if isinstance(item, str):
            yield from referenced_keys(parse_template(item, enabled=True))
