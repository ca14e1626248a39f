"""A naive reference evaluator: AWS's documented policy semantics, transcribed directly.

It reads the policy documents as plain JSON and walks every statement of every
policy for every request: no compilation, no indexing, no merged patterns, no
memo, no shared code with ``rolecall.policy`` beyond the data types of the answer
(:class:`Caller`, :class:`Outcome`, :class:`PolicyType`).  Slow and short on
purpose, so that it can be checked against the documentation by reading it.

Pages transcribed:
- statements, actions, resources:
  reference_policies_elements_{action,notaction,resource,notresource}.html
- principals: reference_policies_elements_principal.html, ..._notprincipal.html
- conditions: reference_policies_elements_condition_operators.html,
  reference_policies_condition-single-vs-multi-valued-context-keys.html
- variables: reference_policies_variables.html
- decisions: reference_policies_evaluation-logic_policy-eval-denyallow.html (incl. the
  same-account table), access_policies_boundaries.html, access_policies.html#policies_session,
  reference_policies_evaluation-logic-cross-account.html, the SCP and RCP evaluation pages.

Which policy type a refusal names when several could be blamed is rolecall's
convention (AWS names one): explicit denies are reported in the order identity,
SCP, RCP, resource, boundary, session; implicit denies name the first missing
requirement in the order SCP, RCP, required resource policy, then the caller's side.
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from rolecall.policy import Caller, CallerKind, Outcome, PolicyType

V2012 = "2012-10-17"

# Strengths of a Principal match (DENYALLOW's same-account table): a grant to the account
# delegates to identity policies; a grant to the role (or the user behind a federated
# session) is limited by boundary and session policies; a grant to the caller itself is not.
NONE, ACCOUNT, IDENTITY, DIRECT = 0, 1, 2, 3

NEGATED = {
    "StringNotEquals": "StringEquals",
    "StringNotEqualsIgnoreCase": "StringEqualsIgnoreCase",
    "StringNotLike": "StringLike",
    "NumericNotEquals": "NumericEquals",
    "DateNotEquals": "DateEquals",
    "NotIpAddress": "IpAddress",
    "ArnNotEquals": "ArnEquals",
    "ArnNotLike": "ArnLike",
}


@dataclass
class Policies:
    """Every policy that applies to one request, as JSON texts."""

    identity: list[str] = field(default_factory=list)
    boundary: list[str] | None = None
    session: list[str] | None = None
    scps: list[list[str]] = field(default_factory=list)
    resource_policy: str | None = None
    resource_account: str | None = None
    rcps: list[list[str]] = field(default_factory=list)
    required: bool = False


# -- the request context -------------------------------------------------------------------------


def lookup(context: dict[str, list[str]], key: str) -> list[str]:
    """The values of ``key`` (names are case-insensitive); [] when absent."""
    found: list[str] = []
    for name, values in context.items():
        if name.lower() == key.lower():
            found = list(values)
    return found


# -- wildcard patterns, as lists of tokens --------------------------------------------------------
#
# A token is ("lit", ch) for a character that must appear as is, ("*",) or ("?",).


def glob(tokens: list[tuple[str, ...]], text: str, *, fold: bool = False) -> bool:
    """Whether ``text`` matches ``tokens`` (``*`` any run, ``?`` one character)."""
    if fold:
        tokens = [(t[0], t[1].lower()) if t[0] == "lit" else t for t in tokens]
        text = text.lower()

    def match(i: int, j: int) -> bool:
        while i < len(tokens):
            token = tokens[i]
            if token[0] == "*":
                return any(match(i + 1, k) for k in range(j, len(text) + 1))
            if j >= len(text):
                return False
            if token[0] == "lit" and token[1] != text[j]:
                return False
            i, j = i + 1, j + 1
        return j == len(text)

    return match(0, 0)


def literal_tokens(text: str) -> list[tuple[str, ...]]:
    return [("lit", ch) for ch in text]


def expand(
    text: str, context: dict[str, list[str]], *, variables: bool, wildcards: bool
) -> list[tuple[str, ...]] | None:
    """Tokens of a policy string once its variables take their values; None if one has none.

    reference_policies_variables: ``${key}`` or ``${key, 'default'}``; a key with no
    value, or with several values, cannot be substituted (the default is used if given);
    ``${*}``, ``${?}``, ``${$}`` are the literal characters; malformed ``${`` sequences
    and every ``${...}`` before Version 2012-10-17 are plain text.
    """
    tokens: list[tuple[str, ...]] = []
    i = 0
    while i < len(text):
        if variables and text.startswith("${", i) and "}" in text[i + 2 :]:
            end = text.index("}", i + 2)
            inner = text[i + 2 : end]
            replacement = _variable(inner, context)
            if replacement is not _NOT_A_VARIABLE:
                if replacement is None:
                    return None
                tokens.extend(literal_tokens(str(replacement)))
                i = end + 1
                continue
        ch = text[i]
        if wildcards and ch == "*":
            tokens.append(("*",))
        elif wildcards and ch == "?":
            tokens.append(("?",))
        else:
            tokens.append(("lit", ch))
        i += 1
    return tokens


_NOT_A_VARIABLE = object()
_KEY_CHARS = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789:/._@+=,-")


def _variable(inner: str, context: dict[str, list[str]]) -> object:
    stripped = inner.strip()
    if stripped in ("*", "?", "$"):
        return stripped
    name, default = stripped, None
    if "," in inner:
        head, _, tail = inner.partition(",")
        tail = tail.strip()
        if len(tail) >= 2 and tail[0] == "'" and tail[-1] == "'" and "'" not in tail[1:-1]:
            name, default = head.strip(), tail[1:-1]
    if not name or ":" not in name or not set(name) <= _KEY_CHARS:
        return _NOT_A_VARIABLE
    values = lookup(context, name)
    if len(values) == 1:
        return values[0]
    return default


def arn_match(pattern: list[tuple[str, ...]], value: str) -> bool:
    """ARN matching: each of the (up to six) colon-separated segments separately.

    reference_policies_elements_resource: wildcards work within a segment; the last
    segment (the resource id) may itself contain colons.  The ARN condition operators'
    example: ``arn:aws:someservice:*:111122223333:finance/*`` does not match a value whose
    region segment would have to swallow colons.
    """
    segments: list[list[tuple[str, ...]]] = [[]]
    for token in pattern:
        if token == ("lit", ":") and len(segments) < 6:
            segments.append([])
        else:
            segments[-1].append(token)
    parts = value.split(":", len(segments) - 1)
    if len(parts) != len(segments):
        return False
    for k, (seg, part) in enumerate(zip(segments, parts, strict=True)):
        if k < len(segments) - 1 and ":" in part:
            return False
        if not glob(seg, part):
            return False
    return True


# -- conditions -----------------------------------------------------------------------------------


def _number(text: str) -> Decimal | None:
    try:
        n = Decimal(text)
    except (InvalidOperation, ValueError):
        return None
    return n if n.is_finite() else None


def _date(text: str) -> float | None:
    if text.lstrip("-").isdigit():
        return float(int(text))  # epoch seconds (aws:EpochTime)
    try:
        dt = datetime.fromisoformat(text.replace("z", "Z"))
    except ValueError:
        return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt.timestamp()


def _b64(text: str) -> bytes | None:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return None


def _compare(op: str, a: Any, b: Any) -> bool:
    if op.endswith("GreaterThanEquals"):
        return bool(a >= b)
    if op.endswith("GreaterThan"):
        return bool(a > b)
    if op.endswith("LessThanEquals"):
        return bool(a <= b)
    if op.endswith("LessThan"):
        return bool(a < b)
    return bool(a == b)


def value_matches(
    op: str, policy_value: str, request_value: str, context: dict[str, list[str]], variables: bool
) -> bool:
    """Whether one request value satisfies ``op`` (a positive operator) for one policy value."""
    if op in ("StringEquals", "StringEqualsIgnoreCase", "StringLike"):
        tokens = expand(policy_value, context, variables=variables, wildcards=op == "StringLike")
        return tokens is not None and glob(
            tokens, request_value, fold=op == "StringEqualsIgnoreCase"
        )
    if op in ("ArnEquals", "ArnLike"):
        tokens = expand(policy_value, context, variables=variables, wildcards=True)
        return tokens is not None and arn_match(tokens, request_value)
    if op.startswith("Numeric"):
        a, b = _number(request_value), _number(policy_value)
        return a is not None and b is not None and _compare(op, a, b)
    if op.startswith("Date"):
        da, db = _date(request_value), _date(policy_value)
        return da is not None and db is not None and _compare(op, da, db)
    if op == "Bool":
        return request_value.lower() == policy_value.lower()
    if op == "BinaryEquals":
        ba, bb = _b64(request_value), _b64(policy_value)
        return ba is not None and ba == bb
    if op == "IpAddress":
        try:
            address = ipaddress.ip_address(request_value)
            network = ipaddress.ip_network(policy_value, strict=False)
        except ValueError:
            return False
        return address.version == network.version and address in network
    raise AssertionError(op)


def as_text(value: Any) -> str:
    """The string AWS compares for a JSON scalar in a policy."""
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def clause_holds(
    operator: str, key: str, raw_values: Any, context: dict[str, list[str]], variables: bool
) -> bool:
    """One ``operator: {key: values}`` clause (condition_operators + multi-valued keys pages)."""
    values = [as_text(v) for v in (raw_values if isinstance(raw_values, list) else [raw_values])]
    set_op = None
    if ":" in operator:
        set_op, operator = operator.split(":", 1)
    if_exists = operator.endswith("IfExists")
    if if_exists:
        operator = operator[: -len("IfExists")]
    request = lookup(context, key)
    present = bool(request)
    if operator == "Null":
        return any(
            (v.lower() == "true" and not present) or (v.lower() == "false" and present)
            for v in values
        )
    negated = operator in NEGATED
    positive = NEGATED.get(operator, operator)

    def matches(request_value: str) -> bool:
        # OR across the policy's values
        return any(value_matches(positive, pv, request_value, context, variables) for pv in values)

    if set_op == "ForAllValues":
        # true when every request value matches -- and when there is none
        if not present:
            return True
        return all(matches(v) != negated for v in request)
    if set_op == "ForAnyValue":
        # needs one request value that matches; false when there is none (unless IfExists)
        if not present:
            return if_exists
        return any(matches(v) != negated for v in request)
    if not present:
        # a missing key fails a positive operator and satisfies a negated one; IfExists
        # makes any operator true
        return True if if_exists else negated
    if negated:
        return not any(matches(v) for v in request)
    return any(matches(v) for v in request)


def conditions_hold(
    block: dict[str, dict[str, Any]], context: dict[str, list[str]], variables: bool
) -> bool:
    # AND across operators and across the keys of one operator
    return all(
        clause_holds(operator, key, values, context, variables)
        for operator, keys in block.items()
        for key, values in keys.items()
    )


# -- statements -----------------------------------------------------------------------------------


def as_list(value: Any) -> list[str]:
    return [value] if isinstance(value, str) else list(value)


def statement_matches(
    st: dict[str, Any], action: str, resource: str, context: dict[str, list[str]], variables: bool
) -> bool:
    """Action, Resource and Condition of a statement all match (Principal aside)."""
    if "Action" in st:
        ok = any(
            glob(expand(a, {}, variables=False, wildcards=True) or [], action, fold=True)
            for a in as_list(st["Action"])
        )
    else:
        ok = not any(
            glob(expand(a, {}, variables=False, wildcards=True) or [], action, fold=True)
            for a in as_list(st["NotAction"])
        )
    if not ok:
        return False
    for element, negated in (("Resource", False), ("NotResource", True)):
        if element in st:
            hit = False
            for pattern in as_list(st[element]):
                tokens = expand(pattern, context, variables=variables, wildcards=True)
                if tokens is not None and arn_match(tokens, resource):
                    hit = True
            if hit == negated:
                return False
    return conditions_hold(st.get("Condition", {}), context, variables)


def statements(text: str) -> tuple[list[dict[str, Any]], bool]:
    doc = json.loads(text)
    body = doc["Statement"]
    return (body if isinstance(body, list) else [body]), doc.get("Version") == V2012


def identity_like(
    texts: list[str], action: str, resource: str, context: dict[str, list[str]]
) -> str:
    """'deny', 'allow' or 'none' for policies without principals (identity, boundary, ...)."""
    result = "none"
    for text in texts:
        sts, variables = statements(text)
        for st in sts:
            if statement_matches(st, action, resource, context, variables):
                if st["Effect"] == "Deny":
                    return "deny"
                result = "allow"
    return result


def levels(
    groups: list[list[str]], action: str, resource: str, context: dict[str, list[str]]
) -> str | None:
    """Organization policies: every level must allow; a deny anywhere denies."""
    if not groups:
        return None
    results = [identity_like(g, action, resource, context) for g in groups]
    if "deny" in results:
        return "deny"
    return "none" if "none" in results else "allow"


def names_of(caller: Caller) -> dict[str, int]:
    """Every AWS principal value that names ``caller``, with the strength of that name."""
    if caller.kind in (CallerKind.SERVICE, CallerKind.ANONYMOUS):
        return {}
    names = {caller.account: ACCOUNT, f"arn:aws:iam::{caller.account}:root": ACCOUNT}
    if caller.kind is CallerKind.ASSUMED_ROLE:
        names[str(caller.role_arn)] = IDENTITY
        names[str(caller.unique_id)] = IDENTITY
    if caller.kind is CallerKind.FEDERATED_USER:
        names[str(caller.source_arn)] = IDENTITY
    if caller.kind is CallerKind.USER:
        names[str(caller.unique_id)] = DIRECT
    if caller.kind is not CallerKind.ROOT:
        names[caller.arn] = DIRECT
    return names


def strength(element: Any, caller: Caller) -> int:
    """How strongly a Principal element names the caller."""
    if element == "*":
        return DIRECT
    names = names_of(caller)
    best = NONE
    for value in as_list(element.get("AWS", [])):
        best = max(best, DIRECT if value == "*" else names.get(value, NONE))
    for value in as_list(element.get("Service", [])):
        if caller.kind is CallerKind.SERVICE and value.lower() in (caller.arn.lower(), "*"):
            best = DIRECT
    for value in as_list(element.get("Federated", [])):
        if caller.federated_provider is not None and value == caller.federated_provider:
            best = DIRECT
    return best


def principal_applies(st: dict[str, Any], caller: Caller) -> int:
    if "Principal" in st:
        return strength(st["Principal"], caller)
    # NotPrincipal: everyone it does not name.  BOUNDARIES' warning: "The NotPrincipal
    # element with a Deny effect will always deny any IAM principal that has a
    # permissions boundary policy attached".
    if st["Effect"] == "Deny" and caller.has_boundary:
        return DIRECT
    return NONE if strength(st["NotPrincipal"], caller) else DIRECT


def resource_policy(
    text: str, caller: Caller, action: str, resource: str, context: dict[str, list[str]]
) -> tuple[str, int]:
    sts, variables = statements(text)
    best = NONE
    for st in sts:
        if (
            st["Effect"] == "Deny"
            and principal_applies(st, caller)
            and statement_matches(st, action, resource, context, variables)
        ):
            return "deny", NONE
    for st in sts:
        if st["Effect"] == "Allow":
            s = principal_applies(st, caller)
            if s and statement_matches(st, action, resource, context, variables):
                best = max(best, s)
    return ("allow" if best else "none"), best


# -- the decision ---------------------------------------------------------------------------------


def evaluate(
    caller: Caller, action: str, resource: str, context: dict[str, list[str]], p: Policies
) -> tuple[Outcome, PolicyType | None]:
    """AWS's evaluation logic for one request."""
    # The root user "has full access" (DENYALLOW); it has no identity-based policies.
    identity = (
        "allow"
        if caller.kind is CallerKind.ROOT
        else identity_like(p.identity, action, resource, context)
    )
    scp = levels(p.scps, action, resource, context)
    rcp = levels(p.rcps, action, resource, context)
    res, res_strength = ("none", NONE)
    if p.resource_policy is not None:
        res, res_strength = resource_policy(p.resource_policy, caller, action, resource, context)
    boundary = None if p.boundary is None else identity_like(p.boundary, action, resource, context)
    session = None if p.session is None else identity_like(p.session, action, resource, context)

    # 1. an explicit deny in any policy wins
    for kind, result in (
        (PolicyType.IDENTITY, identity),
        (PolicyType.SCP, scp),
        (PolicyType.RCP, rcp),
        (PolicyType.RESOURCE, res),
        (PolicyType.BOUNDARY, boundary),
        (PolicyType.SESSION, session),
    ):
        if result == "deny":
            return Outcome.EXPLICIT_DENY, kind
    # 2. SCPs (caller's account) and RCPs (resource's account) must allow at every level
    if scp == "none":
        return Outcome.IMPLICIT_DENY, PolicyType.SCP
    if rcp == "none":
        return Outcome.IMPLICIT_DENY, PolicyType.RCP
    # role trust policies and key policies must allow even within one account
    if p.required and res != "allow":
        return Outcome.IMPLICIT_DENY, PolicyType.RESOURCE
    boundary_ok = boundary in (None, "allow")
    session_ok = session in (None, "allow")
    same_account = (
        p.resource_account is None
        or p.resource_account == caller.account
        or caller.kind in (CallerKind.SERVICE, CallerKind.ANONYMOUS)
    )
    if same_account:
        # 3. the same-account table: a grant to the caller itself stands alone, a grant to
        # its role / federating user is limited by boundary and session policies, a grant
        # to the account (or none) leaves the decision to the identity-based policies.
        if res == "allow" and res_strength == DIRECT:
            return Outcome.ALLOWED, None
        if res == "allow" and res_strength == IDENTITY and boundary_ok and session_ok:
            return Outcome.ALLOWED, None
        if identity == "allow" and boundary_ok and session_ok:
            return Outcome.ALLOWED, None
        if identity != "allow":
            if res == "allow" and res_strength == IDENTITY:
                return (
                    Outcome.IMPLICIT_DENY,
                    PolicyType.BOUNDARY if not boundary_ok else PolicyType.SESSION,
                )
            return Outcome.IMPLICIT_DENY, PolicyType.IDENTITY
        return Outcome.IMPLICIT_DENY, PolicyType.BOUNDARY if not boundary_ok else PolicyType.SESSION
    # 4. cross-account: the caller's side (identity, boundary, session) and the resource
    # policy must both allow
    if identity != "allow":
        return Outcome.IMPLICIT_DENY, PolicyType.IDENTITY
    if not boundary_ok:
        return Outcome.IMPLICIT_DENY, PolicyType.BOUNDARY
    if not session_ok:
        return Outcome.IMPLICIT_DENY, PolicyType.SESSION
    if res != "allow":
        return Outcome.IMPLICIT_DENY, PolicyType.RESOURCE
    return Outcome.ALLOWED, None
