"""Hypothesis strategies derived from botocore shapes, and wire-normalisation helpers.

``valid_input(shape)`` draws values that satisfy every constraint of the model
(required members, lengths, patterns, enums, ranges, list/map sizes), so a decode
of their botocore serialization must succeed and give the same data back.
``any_output(shape)`` draws values of the right types without constraints.
"""

from __future__ import annotations

import functools
import re
from datetime import UTC, datetime
from typing import Any

from botocore.model import Shape
from hypothesis import strategies as st

from rolecall.protocol import ServiceModels, compile_java

MODELS = ServiceModels()
SERVICES = ("iam", "sts")
ALL_OPERATIONS = [(svc, op) for svc in SERVICES for op in MODELS.operations(svc)]

# Small sizes keep hundreds of operations x examples fast.
_EXTRA_CHARS = 12
_MAX_ITEMS = 3
_INT_BOUNDS = {"integer": (-(2**31), 2**31 - 1), "long": (-(2**63), 2**63 - 1)}

# A pattern that is one character class (or \d, \w) repeated: generate with st.text so
# the length bounds are honoured directly instead of by rejection.
_REPEATED_CLASS = re.compile(r"\^?(\[(?:\\.|[^\]])*\]|\\[dw])(\+|\*|\{\d+\})\$?")

# Text that XML 1.0 can carry (the encoder replaces everything else by U+FFFD).
XML_TEXT = st.characters(
    exclude_categories=["Cs"],
    exclude_characters="".join(
        chr(c) for c in [*range(0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0xFFFE, 0xFFFF]
    ),
)
_WIRE_TEXT = st.characters(exclude_categories=["Cs"])
_FLOATS = st.floats(allow_nan=False)
_TIMESTAMPS = st.datetimes(
    min_value=datetime(1971, 1, 1), max_value=datetime(2200, 1, 1), timezones=st.just(UTC)
)


def _bounds(shape: Shape) -> tuple[int, int]:
    low = int(shape.metadata.get("min") or 0)
    high = shape.metadata.get("max")
    cap = low + _EXTRA_CHARS
    return low, cap if high is None else min(int(high), cap)


# Characters worth trying against a character class: ASCII, Latin-1, letters, digits
# and spaces of other scripts, C1 controls, astral characters.
_CANDIDATES = (
    [chr(c) for c in range(0x100)]
    + list("ĀžǅʰΩЖաא٣ऄ日本語한ｶ𝔘𐐀😀\u2003\u2028\u3000\ufb01\ufffd")
    + [chr(0x10000), chr(0x10FFFD), chr(0x1000), chr(0x10FF), chr(0xE000)]
)


@functools.cache
def _class_alphabet(char_class: str) -> st.SearchStrategy[str]:
    matcher = compile_java(char_class)
    pool = [c for c in _CANDIDATES if matcher.fullmatch(c)]
    assert pool, char_class
    return st.sampled_from(pool)


def _pattern_string(shape: Shape, low: int, high: int) -> st.SearchStrategy[str]:
    pattern = shape.metadata["pattern"]
    compiled = compile_java(pattern)
    repeated = _REPEATED_CLASS.fullmatch(pattern)
    if repeated is not None:
        char_class, quantifier = repeated.groups()
        alphabet = _class_alphabet(char_class)
        if quantifier == "+":
            low = max(low, 1)
        elif quantifier.startswith("{"):
            low = high = int(quantifier[1:-1])
        return st.text(alphabet=alphabet, min_size=low, max_size=high)
    return st.from_regex(compiled, fullmatch=True).filter(lambda s: low <= len(s) <= high)


def _string(shape: Shape) -> st.SearchStrategy[str]:
    enum = shape.metadata.get("enum")
    if enum:
        return st.sampled_from(list(enum))
    low, high = _bounds(shape)
    if shape.metadata.get("pattern"):
        return _pattern_string(shape, low, high)
    return st.text(alphabet=_WIRE_TEXT, min_size=low, max_size=high)


def _number(shape: Shape) -> st.SearchStrategy[int]:
    low, high = _INT_BOUNDS.get(shape.type_name, _INT_BOUNDS["integer"])
    if shape.metadata.get("min") is not None:
        low = int(shape.metadata["min"])
    if shape.metadata.get("max") is not None:
        high = int(shape.metadata["max"])
    return st.integers(min_value=low, max_value=high)


def _sizes(shape: Shape) -> tuple[int, int]:
    low = int(shape.metadata.get("min") or 0)
    high = shape.metadata.get("max")
    cap = max(low, _MAX_ITEMS)
    return low, cap if high is None else min(int(high), cap)


_INPUTS: dict[tuple[str, str], st.SearchStrategy[Any]] = {}
_OUTPUTS: dict[tuple[str, str], st.SearchStrategy[Any]] = {}


def valid_input(shape: Shape, service: str) -> st.SearchStrategy[Any]:
    """Values of ``shape`` that satisfy all of the model's constraints."""
    key = (service, shape.name)
    if key not in _INPUTS:
        # Deferred, so that recursive shapes do not recurse while building strategies.
        _INPUTS[key] = st.deferred(lambda: _valid_input(shape, service))
    return _INPUTS[key]


def _sendable(shape: Shape, strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    # A required structure or map must not vanish on the wire (see as_sent).
    if shape.type_name in ("structure", "map"):
        return strategy.filter(lambda v: as_sent(shape, v) is not ABSENT)
    return strategy


def _valid_input(shape: Shape, service: str) -> st.SearchStrategy[Any]:
    kind = shape.type_name
    if kind == "structure":
        members = {name: valid_input(member, service) for name, member in shape.members.items()}
        if shape.metadata.get("union"):
            return st.one_of([st.fixed_dictionaries({n: s}) for n, s in members.items()])
        required = set(shape.required_members)
        return st.fixed_dictionaries(
            {n: _sendable(shape.members[n], s) for n, s in members.items() if n in required},
            optional={n: s for n, s in members.items() if n not in required},
        )
    if kind == "list":
        low, high = _sizes(shape)
        element = _sendable(shape.member, valid_input(shape.member, service))
        return st.lists(element, min_size=low, max_size=high)
    if kind == "map":
        low, high = _sizes(shape)
        value = _sendable(shape.value, valid_input(shape.value, service))
        return st.dictionaries(valid_input(shape.key, service), value, min_size=low, max_size=high)
    if kind == "string":
        return _string(shape)
    if kind in ("integer", "long"):
        return _number(shape)
    if kind == "boolean":
        return st.booleans()
    if kind in ("float", "double"):
        return _FLOATS
    if kind == "timestamp":
        return _TIMESTAMPS
    if kind == "blob":
        low, high = _bounds(shape)
        return st.binary(min_size=low, max_size=high)
    raise AssertionError(f"no strategy for {kind}")


def any_output(shape: Shape, service: str) -> st.SearchStrategy[Any]:
    """Values of the right types for ``shape`` (outputs are not validated)."""
    key = (service, shape.name)
    if key not in _OUTPUTS:
        _OUTPUTS[key] = st.deferred(lambda: _any_output(shape, service))
    return _OUTPUTS[key]


def _any_output(shape: Shape, service: str) -> st.SearchStrategy[Any]:
    kind = shape.type_name
    if kind == "structure":
        members = {name: any_output(member, service) for name, member in shape.members.items()}
        return st.fixed_dictionaries({}, optional=members)
    if kind == "list":
        return st.lists(any_output(shape.member, service), max_size=_MAX_ITEMS)
    if kind == "map":
        return st.dictionaries(
            st.text(alphabet=XML_TEXT, max_size=8),
            any_output(shape.value, service),
            max_size=_MAX_ITEMS,
        )
    if kind == "string":
        return st.text(alphabet=XML_TEXT, max_size=24)
    if kind in ("integer", "long"):
        low, high = _INT_BOUNDS[kind]
        return st.integers(min_value=low, max_value=high)
    if kind == "boolean":
        return st.booleans()
    if kind in ("float", "double"):
        return _FLOATS
    if kind == "timestamp":
        return _TIMESTAMPS
    if kind == "blob":
        return st.binary(max_size=24)
    raise AssertionError(f"no strategy for {kind}")


class _Absent:
    pass


ABSENT = _Absent()


def as_sent(shape: Shape, value: Any) -> Any:
    """``value`` as it survives the query wire: botocore sends nothing for an empty
    structure or map, so those (and lists of only such elements) disappear."""
    kind = shape.type_name
    if kind == "structure":
        kept = {}
        for name, item in value.items():
            sent = as_sent(shape.members[name], item)
            if sent is not ABSENT:
                kept[name] = sent
        return kept if kept else ABSENT
    if kind == "list":
        if not value:
            return []
        kept_items = [as_sent(shape.member, item) for item in value]
        kept_items = [item for item in kept_items if item is not ABSENT]
        return kept_items if kept_items else ABSENT
    if kind == "map":
        kept_map = {}
        for key, item in value.items():
            sent = as_sent(shape.value, item)
            if sent is not ABSENT:
                kept_map[key] = sent
        return kept_map if kept_map else ABSENT
    return value


def as_printed(shape: Shape, value: Any) -> Any:
    """``value`` as the XML response carries it: timestamps to the whole second, and
    an empty flattened list or map leaves no element behind."""
    kind = shape.type_name
    if kind == "structure":
        return {
            name: as_printed(shape.members[name], item)
            for name, item in value.items()
            if item or not shape.members[name].serialization.get("flattened")
        }
    if kind == "list":
        return [as_printed(shape.member, item) for item in value]
    if kind == "map":
        return {key: as_printed(shape.value, item) for key, item in value.items()}
    if kind == "timestamp":
        return value.replace(microsecond=0)
    return value
