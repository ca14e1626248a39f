"""Validation of decoded input against the model's constraints, worded as AWS words it.

A validator is compiled once per shape and appends one message per violated
constraint, e.g. ``Value 'a b' at 'roleName' failed to satisfy constraint: Member must
satisfy regular expression pattern: [\\w+=,.@-]+``.  All messages of a request are
joined into one ``ValidationError`` (``2 validation errors detected: ...; ...``).

Formats (from AWS answers seen in the wild):

* locations use the lower-camel member names; a structure inside a list is
  ``tags.6.member.value`` (1-based index, then ``member``);
* a missing required member is ``Value null at 'x' ... Member must not be null``;
* a sensitive value is never echoed: ``Value at 'password' failed ...``;
* a list or map of scalars is checked element-wise but reported once, at the list,
  listing every constraint of the element shape: ``Value '[a, b c]' at 'tagKeys'
  failed to satisfy constraint: Member must satisfy constraint: [Member must ...]``
  (``Map keys must ...`` / ``Map value must ...`` for maps);
* composite values are echoed as Java's ``toString`` would: ``[a, b]``,
  ``{k=v}``, ``Tag(key=a, value=b)``.

Per value, constraints are checked in the order maximum length, minimum length,
pattern, enum (maximum value, minimum value for numbers); members in model order.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final

from botocore.model import Shape

from .constraints import Rules, java_repr, lower_camel, scalar_rules, shown
from .errors import ValidationError

__all__ = ["Validator", "compile_validator", "java_repr", "raise_for_errors"]

Validator = Callable[[Any, str, list[str]], None]

_SCALAR_TYPES: Final = frozenset(
    {"string", "character", "integer", "long", "float", "double", "boolean", "timestamp", "blob"}
)


class _Compiler:
    """Builds (and caches by shape name) one validator per shape; None = nothing to check."""

    def __init__(self, cache: dict[str, Validator | None]) -> None:
        self._cache = cache
        self._building: set[str] = set()

    def compile(self, shape: Shape) -> Validator | None:
        name = shape.name
        if name in self._cache:
            return self._cache[name]
        if name in self._building:
            # A recursive shape: resolve through the cache once it is built.
            cache = self._cache

            def deferred(value: Any, path: str, errors: list[str]) -> None:
                real = cache.get(name)
                if real is not None:
                    real(value, path, errors)

            return deferred
        self._building.add(name)
        try:
            kind = shape.type_name
            validator: Validator | None
            if kind == "structure":
                validator = self._structure(shape)
            elif kind == "list":
                validator = self._list(shape)
            elif kind == "map":
                validator = self._map(shape)
            else:
                validator = self._scalar(shape)
        finally:
            self._building.discard(name)
        self._cache[name] = validator
        return validator

    def _scalar(self, shape: Shape) -> Validator | None:
        rules = scalar_rules(shape)
        if rules is None:
            return None

        passes = rules.passes

        def validate(value: Any, path: str, errors: list[str]) -> None:
            if passes(value):
                return
            failed = rules.failures(value)
            if failed:
                head = shown(shape, value)
                for message in failed:
                    errors.append(f"{head} at '{path}' failed to satisfy constraint: {message}")

        return validate

    def _structure(self, shape: Shape) -> Validator | None:
        required = set(shape.required_members)
        entries: list[tuple[str, str, bool, Validator | None]] = []
        for name, member in shape.members.items():
            sub = self.compile(member)
            if sub is not None or name in required:
                entries.append((name, lower_camel(name), name in required, sub))
        if not entries:
            return None

        def validate(value: Any, path: str, errors: list[str]) -> None:
            prefix = f"{path}." if path else ""
            for name, location, is_required, sub in entries:
                member_value = value.get(name)
                if member_value is None:
                    if is_required:
                        errors.append(
                            f"Value null at '{prefix}{location}' failed to satisfy constraint: "
                            "Member must not be null"
                        )
                elif sub is not None:
                    sub(member_value, prefix + location, errors)

        return validate

    def _elements(self, shape: Shape, label: str) -> tuple[Rules | None, Validator | None, str]:
        """Element checks: (scalar rules, nested validator, "<label> must satisfy ..." text)."""
        if shape.type_name not in _SCALAR_TYPES:
            return None, self.compile(shape), ""
        rules = scalar_rules(shape)
        if rules is None:
            return None, None, ""
        return rules, None, f"{label} must satisfy constraint: [{', '.join(rules.constraints)}]"

    def _list(self, shape: Shape) -> Validator | None:
        length = _container_length(shape)
        rules, nested, text = self._elements(shape.member, "Member")
        if length is None and rules is None and nested is None:
            return None

        def validate(value: Any, path: str, errors: list[str]) -> None:
            _check_length(shape, length, value, path, errors)
            if rules is not None:
                for item in value:
                    if not rules.passes(item):
                        errors.append(
                            f"{shown(shape, value)} at '{path}' failed to satisfy constraint: "
                            + text
                        )
                        break
            elif nested is not None:
                for index, item in enumerate(value, 1):
                    nested(item, f"{path}.{index}.member", errors)

        return validate

    def _map(self, shape: Shape) -> Validator | None:
        length = _container_length(shape)
        key_rules, _, key_text = self._elements(shape.key, "Map keys")
        value_rules, nested, value_text = self._elements(shape.value, "Map value")
        if length is None and key_rules is None and value_rules is None and nested is None:
            return None

        def validate(value: Any, path: str, errors: list[str]) -> None:
            _check_length(shape, length, value, path, errors)
            if key_rules is not None and not all(map(key_rules.passes, value)):
                errors.append(
                    f"{shown(shape, value)} at '{path}' failed to satisfy constraint: " + key_text
                )
            if value_rules is not None and not all(map(value_rules.passes, value.values())):
                errors.append(
                    f"{shown(shape, value)} at '{path}' failed to satisfy constraint: " + value_text
                )
            elif nested is not None:
                for key, item in value.items():
                    nested(item, f"{path}.{key}", errors)

        return validate


def _container_length(shape: Shape) -> tuple[int | None, int | None] | None:
    """(max, min) item counts of a list or map, or None if unconstrained."""
    meta = shape.metadata
    maximum = meta.get("max")
    minimum = meta.get("min") or None
    if maximum is None and minimum is None:
        return None
    return (
        int(maximum) if maximum is not None else None,
        int(minimum) if minimum is not None else None,
    )


def _check_length(
    shape: Shape,
    length: tuple[int | None, int | None] | None,
    value: Any,
    path: str,
    errors: list[str],
) -> None:
    if length is None:
        return
    maximum, minimum = length
    count = len(value)
    if maximum is not None and count > maximum:
        errors.append(
            f"{shown(shape, value)} at '{path}' failed to satisfy constraint: "
            f"Member must have length less than or equal to {maximum}"
        )
    if minimum is not None and count < minimum:
        errors.append(
            f"{shown(shape, value)} at '{path}' failed to satisfy constraint: "
            f"Member must have length greater than or equal to {minimum}"
        )


def compile_validator(shape: Shape, cache: dict[str, Validator | None]) -> Validator | None:
    """Return the (cached) validator of ``shape``, or None when it has no constraints."""
    return _Compiler(cache).compile(shape)


def raise_for_errors(errors: list[str]) -> None:
    """Raise one ``ValidationError`` for all collected messages (no-op when empty)."""
    if not errors:
        return
    count = len(errors)
    noun = "error" if count == 1 else "errors"
    raise ValidationError(f"{count} validation {noun} detected: " + "; ".join(errors))
