"""Decoding of AWS *query* protocol parameters into native Python values.

This is the exact inverse of botocore's ``QuerySerializer``: flattened keys such as
``Tags.member.2.Key`` or ``Properties.entry.1.value`` are first split into a tree
(one node per dotted segment), then a decoder compiled once per shape walks that
tree and builds the dict a boto3 caller would have passed.

What AWS does with odd input, and so what we do:

* parameters the model does not know are ignored, as AWS's query services do;
* a repeated parameter keeps its first value;
* a value that cannot be read as its modelled type (``MaxItems=abc``, a bad
  timestamp, bad base64, a list index that is not a positive integer) is a
  ``MalformedInput`` error (400), never another exception type;
* list elements are ordered by index; gaps are allowed, duplicate indices
  (``1`` and ``01``) keep the first one seen;
* missing required members are *not* an error here: :mod:`.validate` reports them
  in AWS's ``Value null at '...'`` form together with every other constraint.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, Final

from botocore.model import Shape

from .errors import MalformedInput

__all__ = ["MISSING", "Decoder", "Node", "build_tree", "compile_decoder"]


class _Missing:
    """Marker for "this member is absent from the request"."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "MISSING"


MISSING: Final = _Missing()


# A tree node is a plain dict (cheaper to create than an object on this hot path):
# its str keys are the next dotted segments; the key None, when the parameter itself
# was sent, holds the pair (value, full parameter name) - the name is for errors.
Node = dict[Any, Any]


Decoder = Callable[[Node], Any]
Params = Mapping[str, Sequence[str]] | Sequence[tuple[str, str]]

_INT32: Final = (-(2**31), 2**31 - 1)
_INT64: Final = (-(2**63), 2**63 - 1)
_INTEGER_RE: Final = re.compile(r"[+-]?[0-9]+", re.ASCII)
_INDEX_RE: Final = re.compile(r"[0-9]+", re.ASCII)
# Java's Double.parseDouble grammar, minus hex floats and the f/d suffixes.
_FLOAT_RE: Final = re.compile(
    r"[+-]?(?:NaN|Infinity|(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?)", re.ASCII
)
_EPOCH_RE: Final = re.compile(r"[0-9]+(?:\.[0-9]+)?", re.ASCII)
_ISO_RE: Final = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}(?:[Tt ][0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]{1,9})?)?"
    r"(?:[Zz]|[+-][0-9]{2}:?[0-9]{2})?)?",
    re.ASCII,
)
_MAX_INDEX: Final = 2**31 - 1
_SHOWN_VALUE_CHARS: Final = 100


_ENVELOPE: Final = frozenset({"Action", "Version"})


def build_tree(params: Params) -> Node:
    """Split flattened query parameters into a tree of dotted segments.

    ``Action``/``Version`` (they select the operation) and ``X-Amz-*`` (a presigned
    URL's SigV4 signature) are protocol envelope, not operation input, and are skipped.
    """
    root: Node = {}
    if isinstance(params, Mapping):
        pairs: list[tuple[Any, Any]] = []
        for key, values in params.items():
            if isinstance(values, str):
                pairs.append((key, values))
            elif values:
                pairs.append((key, values[0]))
        items: Sequence[tuple[Any, Any]] = pairs
    else:
        items = params
    for key, value in items:
        if key in _ENVELOPE or not isinstance(key, str):
            continue
        if key[:1] in "Xx" and key[:6].lower() == "x-amz-":
            continue
        node = root
        for part in key.split("."):
            child = node.get(part)
            if child is None:
                child = node[part] = {}
            node = child
        if None not in node:  # a repeated parameter keeps its first value
            node[None] = (value if isinstance(value, str) else str(value), key)
    return root


def _bad_value(leaf: tuple[str, str], kind: str) -> MalformedInput:
    shown, key = leaf
    if len(shown) > _SHOWN_VALUE_CHARS:
        shown = shown[:_SHOWN_VALUE_CHARS] + "..."
    return MalformedInput(
        f"Invalid Argument. Value '{shown}' for parameter {key} is not a valid {kind}."
    )


def _decode_string(node: Node) -> Any:
    leaf = node.get(None)
    return MISSING if leaf is None else leaf[0]


def _integer_decoder(bounds: tuple[int, int]) -> Decoder:
    low, high = bounds

    def decode(node: Node) -> Any:
        leaf = node.get(None)
        if leaf is None:
            return MISSING
        if _INTEGER_RE.fullmatch(leaf[0]) is None:
            raise _bad_value(leaf, "integer")
        number = int(leaf[0])
        if number < low or number > high:
            raise _bad_value(leaf, "integer")
        return number

    return decode


def _decode_float(node: Node) -> Any:
    leaf = node.get(None)
    if leaf is None:
        return MISSING
    if _FLOAT_RE.fullmatch(leaf[0]) is None:
        raise _bad_value(leaf, "number")
    return float(leaf[0])


def _decode_boolean(node: Node) -> Any:
    leaf = node.get(None)
    if leaf is None:
        return MISSING
    lowered = leaf[0].lower()
    if lowered == "true":
        return True
    if lowered == "false":
        return False
    raise _bad_value(leaf, "boolean")


def parse_timestamp(text: str) -> datetime | None:
    """Read an ISO 8601 or epoch-seconds timestamp as an aware UTC datetime (None if invalid)."""
    try:
        if _EPOCH_RE.fullmatch(text):
            return datetime.fromtimestamp(float(text), UTC)
        if _ISO_RE.fullmatch(text) is None:
            return None
        fraction = re.search(r"\.([0-9]+)", text)
        if fraction is not None and len(fraction.group(1)) > 6:
            # Python keeps microseconds; AWS accepts nanosecond digits, so truncate.
            digits = fraction.group(1)
            text = text.replace("." + digits, "." + digits[:6], 1)
        parsed = datetime.fromisoformat(text.replace("z", "Z"))
    except (ValueError, OverflowError, OSError):
        return None
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def _decode_timestamp(node: Node) -> Any:
    leaf = node.get(None)
    if leaf is None:
        return MISSING
    parsed = parse_timestamp(leaf[0])
    if parsed is None:
        raise _bad_value(leaf, "timestamp")
    return parsed


def _decode_blob(node: Node) -> Any:
    leaf = node.get(None)
    if leaf is None:
        return MISSING
    try:
        return base64.b64decode(leaf[0], validate=True)
    except (binascii.Error, ValueError):
        raise MalformedInput(
            f"Invalid Argument. Value for parameter {leaf[1]} is not valid base64."
        ) from None


def _index(text: str) -> int:
    if _INDEX_RE.fullmatch(text) is not None:
        number = int(text)
        if 1 <= number <= _MAX_INDEX:
            return number
    shown = text if len(text) <= _SHOWN_VALUE_CHARS else text[:_SHOWN_VALUE_CHARS] + "..."
    raise MalformedInput(f"{shown} is not a valid index.")


def _indexed(container: Node) -> list[tuple[int, Node]]:
    """The children of ``container`` keyed by list index, sorted, first duplicate kept."""
    seen: dict[int, Node] = {}
    for text, child in container.items():
        if text is None:
            continue  # "Tags.member=x": a value where only indexed children make sense
        number = _index(text)
        if number not in seen:
            seen[number] = child
    return sorted(seen.items(), key=lambda item: item[0])


def serialized_name(shape: Shape, default: str) -> str:
    """The wire name botocore's query serializer uses for ``shape`` (its locationName)."""
    name = shape.serialization.get("name")
    return name if isinstance(name, str) else default


def member_wire_name(member_name: str, member_shape: Shape) -> str:
    """Wire name of a structure member, including the flattened-list rename rule."""
    if member_shape.type_name == "list" and member_shape.serialization.get("flattened"):
        # botocore replaces the member's own name with the list member's locationName.
        list_member_name = member_shape.member.serialization.get("name")
        if isinstance(list_member_name, str):
            return list_member_name
    return serialized_name(member_shape, member_name)


# How a structure decodes each member (see _Compiler._structure).
_OTHER: Final = 0
_STRING: Final = 1
_EMPTY_LIST_MARKER: Final = 2


class _Compiler:
    """Builds (and caches by shape name) one decoder per shape of a service."""

    def __init__(self, cache: dict[tuple[str, bool], Decoder]) -> None:
        self._cache = cache

    def compile(self, shape: Shape) -> Decoder:
        key = (shape.name, bool(shape.serialization.get("flattened")))
        cached = self._cache.get(key)
        if cached is not None:
            return cached
        kind = shape.type_name
        decoder: Decoder
        if kind == "structure":
            decoder = self._structure(shape, key)
        elif kind == "list":
            decoder = self._list(shape)
        elif kind == "map":
            decoder = self._map(shape)
        else:
            decoder = _SCALARS.get(kind, _decode_string)
        self._cache[key] = decoder
        return decoder

    def _structure(self, shape: Shape, key: tuple[str, bool]) -> Decoder:
        members: dict[str, tuple[str, Decoder, int]] = {}

        def decode(node: Node) -> Any:
            result: dict[str, Any] = {}
            for wire, child in node.items():
                member = members.get(wire)
                if member is None:
                    continue  # unknown parameters are ignored, as AWS does
                name, decoder, mode = member
                if mode == _STRING:  # the common case, inlined
                    leaf = child.get(None)
                    if leaf is not None:
                        result[name] = leaf[0]
                elif mode == _EMPTY_LIST_MARKER:
                    if None in child:
                        result.setdefault(name, [])
                else:
                    value = decoder(child)
                    if value is not MISSING:
                        result[name] = value
            return result

        # Registered before the members are compiled so recursive shapes terminate.
        self._cache[key] = decode
        for name, member_shape in shape.members.items():
            decoder = self.compile(member_shape)
            wire = member_wire_name(name, member_shape)
            members[wire] = (name, decoder, _STRING if decoder is _decode_string else _OTHER)
            if wire != serialized_name(member_shape, name):
                # A renamed flattened list: botocore still sends an *empty* one under
                # the member's own name ("Original="), with no elements.
                members.setdefault(
                    serialized_name(member_shape, name), (name, decoder, _EMPTY_LIST_MARKER)
                )
        return decode

    def _list(self, shape: Shape) -> Decoder:
        element = self.compile(shape.member)
        flattened = bool(shape.serialization.get("flattened"))
        member_name = serialized_name(shape.member, "member")

        def decode(node: Node) -> Any:
            container = node if flattened else node.get(member_name)
            if container is None:
                # "Name=" with no members is how botocore sends an empty list.
                return []
            items = []
            for _, child in _indexed(container):
                value = element(child)
                if value is not MISSING:
                    items.append(value)
            return items

        return decode

    def _map(self, shape: Shape) -> Decoder:
        key_decoder = self.compile(shape.key)
        value_decoder = self.compile(shape.value)
        flattened = bool(shape.serialization.get("flattened"))
        key_name = serialized_name(shape.key, "key")
        value_name = serialized_name(shape.value, "value")

        def decode(node: Node) -> Any:
            container = node if flattened else node.get("entry")
            result: dict[Any, Any] = {}
            if container is None:
                return result
            for _, entry in _indexed(container):
                key_node = entry.get(key_name)
                value_node = entry.get(value_name)
                if key_node is None or value_node is None:
                    continue  # half an entry carries nothing a caller could have meant
                key = key_decoder(key_node)
                value = value_decoder(value_node)
                if key is not MISSING and value is not MISSING:
                    result[key] = value
            return result

        return decode


_SCALARS: Final[dict[str, Decoder]] = {
    "string": _decode_string,
    "character": _decode_string,
    "integer": _integer_decoder(_INT32),
    "long": _integer_decoder(_INT64),
    "float": _decode_float,
    "double": _decode_float,
    "boolean": _decode_boolean,
    "timestamp": _decode_timestamp,
    "blob": _decode_blob,
}


def compile_decoder(shape: Shape, cache: dict[tuple[str, bool], Decoder]) -> Decoder:
    """Return the (cached) decoder for ``shape``; ``cache`` is per service."""
    return _Compiler(cache).compile(shape)
