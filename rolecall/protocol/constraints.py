"""Scalar constraints of a shape and how AWS echoes values in validation messages.

:class:`Rules` holds one shape's length, pattern, enum and range constraints, in the
order AWS reports them, with a one-call hot-path check (``passes``) and the slower
``failures`` that names what was violated.  :func:`java_repr` renders values the way
AWS's Java services print them (``[a, b]``, ``{k=v}``, ``Tag(key=a, value=b)``).
"""

from __future__ import annotations

import base64
import math
import re
import sys
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any, Final

from botocore.model import Shape

from .patterns import compile_java

__all__ = ["Rules", "java_repr", "lower_camel", "scalar_rules", "shown"]

_NUMBER_TYPES: Final = frozenset({"integer", "long", "float", "double"})
_REDACTED: Final = "*** Sensitive Data Redacted ***"


def lower_camel(name: str) -> str:
    """``RoleName`` -> ``roleName``; only the first letter changes (``sAMLOptions``)."""
    return name[:1].lower() + name[1:]


def _number_text(bound: Any) -> str:
    if isinstance(bound, float) and bound.is_integer():
        return str(int(bound))
    return str(bound)


def java_repr(shape: Shape, value: Any) -> str:
    """Render ``value`` the way AWS's Java service echoes it in validation messages."""
    if shape.metadata.get("sensitive"):
        return _REDACTED
    kind = shape.type_name
    if kind == "structure" and isinstance(value, Mapping):
        inner = ", ".join(
            f"{lower_camel(name)}={java_repr(member, value[name])}"
            for name, member in shape.members.items()
            if value.get(name) is not None
        )
        return f"{shape.name}({inner})"
    if kind == "list" and isinstance(value, list | tuple):
        return "[" + ", ".join(java_repr(shape.member, item) for item in value) + "]"
    if kind == "map" and isinstance(value, Mapping):
        return (
            "{"
            + ", ".join(
                f"{java_repr(shape.key, k)}={java_repr(shape.value, v)}" for k, v in value.items()
            )
            + "}"
        )
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    return str(value)


def shown(shape: Shape, value: Any) -> str:
    """The ``Value '...'`` head of a message; sensitive values are left out entirely."""
    if shape.metadata.get("sensitive"):
        return "Value"
    return f"Value '{java_repr(shape, value)}'"


class Rules:
    """The scalar constraints of one shape, in AWS's reporting order."""

    __slots__ = (
        "constraints",
        "enum",
        "max_len",
        "max_value",
        "min_len",
        "min_value",
        "passes",
        "regex",
    )

    def __init__(self, shape: Shape) -> None:
        meta = shape.metadata
        kind = shape.type_name
        self.max_len: int | None = None
        self.min_len: int | None = None
        self.max_value: Any = None
        self.min_value: Any = None
        self.regex = None
        self.enum: frozenset[str] | None = None
        self.constraints: list[str] = []
        self.passes: Callable[[Any], bool] = _always
        if kind in _NUMBER_TYPES:
            if meta.get("max") is not None:
                self.max_value = meta["max"]
                self.constraints.append(
                    f"Member must have value less than or equal to {_number_text(meta['max'])}"
                )
            if meta.get("min") is not None:
                self.min_value = meta["min"]
                self.constraints.append(
                    f"Member must have value greater than or equal to {_number_text(meta['min'])}"
                )
            self.passes = _range_check(self.min_value, self.max_value)
            return
        if kind not in ("string", "character", "blob"):
            return
        if meta.get("max") is not None:
            self.max_len = int(meta["max"])
            self.constraints.append(f"Member must have length less than or equal to {self.max_len}")
        if meta.get("min"):
            # A minimum length of 0 cannot fail, so it is neither checked nor listed.
            self.min_len = int(meta["min"])
            self.constraints.append(
                f"Member must have length greater than or equal to {self.min_len}"
            )
        if kind != "blob" and meta.get("pattern"):
            self.regex = compile_java(meta["pattern"])
            self.constraints.append(
                f"Member must satisfy regular expression pattern: {meta['pattern']}"
            )
        if kind != "blob" and meta.get("enum"):
            self.enum = frozenset(meta["enum"])
            self.constraints.append(
                "Member must satisfy enum value set: [" + ", ".join(meta["enum"]) + "]"
            )
        self.passes = _length_pattern_check(self.min_len, self.max_len, self.regex, self.enum)

    def failures(self, value: Any) -> list[str] | None:
        """Messages of the constraints ``value`` violates, or None if it satisfies all."""
        failed: list[str] | None = None
        if self.max_value is not None or self.min_value is not None:
            if self.max_value is not None and value > self.max_value:
                failed = [self.constraints[0]]
            if self.min_value is not None and value < self.min_value:
                failed = (failed or []) + [self.constraints[-1]]
            return failed
        index = 0
        if self.max_len is not None:
            if len(value) > self.max_len:
                failed = [self.constraints[index]]
            index += 1
        if self.min_len is not None:
            if len(value) < self.min_len:
                failed = (failed or []) + [self.constraints[index]]
            index += 1
        if self.regex is not None:
            if self.regex.fullmatch(value) is None:
                failed = (failed or []) + [self.constraints[index]]
            index += 1
        if self.enum is not None and value not in self.enum:
            failed = (failed or []) + [self.constraints[index]]
        return failed


def _always(value: Any) -> bool:
    return True


def _range_check(minimum: Any, maximum: Any) -> Callable[[Any], bool]:
    low = -math.inf if minimum is None else minimum
    high = math.inf if maximum is None else maximum

    def passes(value: Any) -> bool:
        return bool(low <= value <= high)

    return passes


def _length_pattern_check(
    min_len: int | None,
    max_len: int | None,
    regex: re.Pattern[str] | None,
    enum: frozenset[str] | None,
) -> Callable[[Any], bool]:
    """The hot-path check: one call, no allocation when the value is valid."""
    low = min_len or 0
    high = sys.maxsize if max_len is None else max_len
    if regex is None and enum is None:

        def lengths_only(value: Any) -> bool:
            return low <= len(value) <= high

        return lengths_only
    if enum is None:
        assert regex is not None
        fullmatch = regex.fullmatch

        def with_pattern(value: Any) -> bool:
            return low <= len(value) <= high and fullmatch(value) is not None

        return with_pattern

    def with_enum(value: Any) -> bool:
        return (
            low <= len(value) <= high
            and (regex is None or regex.fullmatch(value) is not None)
            and value in enum
        )

    return with_enum


def scalar_rules(shape: Shape) -> Rules | None:
    """The constraints of a scalar shape, or None when it has none."""
    rules = Rules(shape)
    return rules if rules.constraints else None
