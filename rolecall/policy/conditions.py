"""Condition operators, compiled.

A statement's ``Condition`` block is compiled into one callable that takes the
request context (lower-cased key → tuple of string values) and answers whether
the block holds.  AWS's rules, all implemented here:

* AND across operators and across the keys of one operator; OR across the policy
  values of one key; for a negated operator (``StringNotEquals``...), the request
  value must match *none* of the policy values.
* A key missing from the request makes a positive operator false and a negated
  operator true; ``...IfExists`` makes any operator true; ``Null`` tests presence.
* ``ForAllValues:`` is true when every request value satisfies the operator and
  also when the key is missing or empty; ``ForAnyValue:`` needs at least one
  request value and is false when the key is missing.
* Without a set operator a multi-valued key is satisfied when any of its values
  matches (positive operators) or none does (negated operators).
* Condition key names are case-insensitive; values are compared with the
  operator's own case rule.  Policy variables work in string and ARN operators.
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import operator
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Any

from .ast import ConditionClause
from .dates import parse_date
from .grammar import NEGATED_OPERATORS
from .patterns import PatternSet
from .variables import ContextValues

#: Answers whether one request value matches any of the clause's policy values.
ValuePredicate = Callable[[str, ContextValues], bool]
#: Answers whether one clause (or a whole block) holds for a request.
Check = Callable[[ContextValues], bool]

_POSITIVE = {
    "StringNotEquals": "StringEquals",
    "StringNotEqualsIgnoreCase": "StringEqualsIgnoreCase",
    "StringNotLike": "StringLike",
    "NumericNotEquals": "NumericEquals",
    "DateNotEquals": "DateEquals",
    "NotIpAddress": "IpAddress",
    "ArnNotEquals": "ArnEquals",
    "ArnNotLike": "ArnLike",
}
_COMPARISONS: dict[str, Callable[[Any, Any], bool]] = {
    "Equals": operator.eq,
    "LessThan": operator.lt,
    "LessThanEquals": operator.le,
    "GreaterThan": operator.gt,
    "GreaterThanEquals": operator.ge,
}


@dataclass(frozen=True, slots=True)
class CompiledCondition:
    """A compiled ``Condition`` block.

    Attributes:
        check: the predicate over the request context.
        keys: every context key the block reads (lower-cased), variables included.
    """

    check: Check
    keys: frozenset[str]
    #: the same keys as written in the policy (first spelling wins), for reports
    names: tuple[str, ...] = ()


def compile_conditions(
    clauses: Sequence[ConditionClause], *, variables: bool
) -> CompiledCondition | None:
    """Compile a statement's clauses; ``None`` when there are none (always true)."""
    if not clauses:
        return None
    checks: list[Check] = []
    names: dict[str, str] = {}
    for clause in clauses:
        check, clause_keys = _compile_clause(clause, variables=variables)
        checks.append(check)
        for name in clause_keys:
            names.setdefault(name.lower(), name)
    keys = frozenset(names)
    if len(checks) == 1:
        return CompiledCondition(checks[0], keys, tuple(names.values()))
    all_checks = tuple(checks)

    def check_all(values: ContextValues) -> bool:
        for c in all_checks:
            if not c(values):
                return False
        return True

    return CompiledCondition(check_all, keys, tuple(names.values()))


def _compile_clause(clause: ConditionClause, *, variables: bool) -> tuple[Check, list[str]]:
    key = clause.key.lower()
    if clause.base == "Null":
        return _null_check(key, clause.values), [clause.key]
    negated = clause.base in NEGATED_OPERATORS
    predicate, variable_keys = _predicate(
        _POSITIVE.get(clause.base, clause.base), clause.values, variables
    )
    check = _combine(key, predicate, negated, clause.set_operator, clause.if_exists)
    return check, [clause.key, *variable_keys]


def _combine(
    key: str, pred: ValuePredicate, negated: bool, set_operator: str | None, if_exists: bool
) -> Check:
    if set_operator == "ForAllValues":

        def for_all(values: ContextValues) -> bool:
            found = values.get(key)
            if not found:
                return True
            for v in found:
                if pred(v, values) == negated:
                    return False
            return True

        return for_all
    if set_operator == "ForAnyValue":

        def for_any(values: ContextValues) -> bool:
            found = values.get(key)
            if not found:
                return if_exists
            for v in found:
                if pred(v, values) != negated:
                    return True
            return False

        return for_any
    missing = True if if_exists else negated

    def single(values: ContextValues) -> bool:
        found = values.get(key)
        if not found:
            return missing
        for v in found:
            if pred(v, values):
                return not negated
        return negated

    return single


def _null_check(key: str, policy_values: tuple[str, ...]) -> Check:
    wanted = {v.lower() for v in policy_values}
    want_absent = "true" in wanted
    want_present = "false" in wanted

    def null(values: ContextValues) -> bool:
        absent = not values.get(key)
        return (want_absent and absent) or (want_present and not absent)

    return null


def _predicate(
    base: str, policy_values: tuple[str, ...], variables: bool
) -> tuple[ValuePredicate, tuple[str, ...]]:
    if base.startswith("String"):
        patterns = PatternSet(
            policy_values,
            ignore_case=base.endswith("IgnoreCase"),
            wildcards=base == "StringLike",
            variables=variables,
        )
        return patterns.match, patterns.keys
    if base.startswith("Arn"):
        arns = PatternSet(policy_values, arn=True, variables=variables)
        return arns.match, arns.keys
    if base.startswith("Numeric"):
        return _ordered(_COMPARISONS[base[len("Numeric") :]], policy_values, _number), ()
    if base.startswith("Date"):
        return _ordered(_COMPARISONS[base[len("Date") :]], policy_values, parse_date), ()
    if base == "Bool":
        return _bool(policy_values), ()
    if base == "BinaryEquals":
        return _binary(policy_values), ()
    if base == "IpAddress":
        return _ip(policy_values), ()
    raise AssertionError(f"unknown operator {base}")  # the parser admits only known ones


def _number(text: str) -> Decimal | None:
    try:
        number = Decimal(text.strip())
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def _ordered(
    compare: Callable[[Any, Any], bool],
    policy_values: tuple[str, ...],
    convert: Callable[[str], object | None],
) -> ValuePredicate:
    parsed = tuple(p for p in (convert(v) for v in policy_values) if p is not None)

    def predicate(value: str, _: ContextValues) -> bool:
        v = convert(value)
        if v is None:
            return False
        for p in parsed:
            if compare(v, p):
                return True
        return False

    return predicate


def _bool(policy_values: tuple[str, ...]) -> ValuePredicate:
    wanted = frozenset(v.lower() for v in policy_values)

    def predicate(value: str, _: ContextValues) -> bool:
        return value.lower() in wanted

    return predicate


def _b64(text: str) -> bytes | None:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return None


def _binary(policy_values: tuple[str, ...]) -> ValuePredicate:
    wanted = frozenset(b for b in (_b64(v) for v in policy_values) if b is not None)

    def predicate(value: str, _: ContextValues) -> bool:
        return _b64(value) in wanted

    return predicate


@lru_cache(maxsize=4096)
def _parse_address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(text.strip())
    except ValueError:
        return None


def _ip(policy_values: tuple[str, ...]) -> ValuePredicate:
    networks: list[ipaddress.IPv4Network | ipaddress.IPv6Network] = []
    for v in policy_values:
        try:
            networks.append(ipaddress.ip_network(v.strip(), strict=False))
        except ValueError:
            continue

    def predicate(value: str, _: ContextValues) -> bool:
        address = _parse_address(value)
        if address is None:
            return False
        for net in networks:
            if address.version == net.version and address in net:
                return True
        return False

    return predicate
