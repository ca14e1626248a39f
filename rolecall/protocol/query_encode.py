"""XML encoding of query-protocol responses and errors, driven by the output shapes.

An encoder is compiled once per shape; it appends string pieces to a list that is
joined once per response (no XML tree is built).  Conventions, as AWS prints them:

* members in model order, absent (None) members omitted, elements named by the
  member name or its ``locationName``;
* lists as ``<member>`` children (or repeated elements when flattened), maps as
  ``<entry><key/><value/></entry>``;
* timestamps as ISO 8601 in UTC to the second (``2019-01-12T21:23:08Z``, what IAM and
  STS print); naive datetimes are taken as UTC;
* booleans ``true``/``false``, blobs base64;
* text escaped for ``& < > "``; ``\\r`` as ``&#13;`` so it survives XML parsing;
  characters XML 1.0 cannot carry at all (other C0 controls, lone surrogates,
  U+FFFE/U+FFFF) are replaced by U+FFFD rather than producing a document no
  client can parse.
"""

from __future__ import annotations

import base64
import math
import re
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any, Final

from botocore.model import Shape

from .errors import AWSError
from .query_decode import serialized_name

__all__ = ["Encoder", "compile_encoder", "encode_error", "format_timestamp", "xml_escape"]

Encoder = Callable[[Any, list[str]], None]
Scalar = Callable[[Any], str]

_XML_SPECIAL: Final = re.compile('[&<>"\r\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]')
_REPLACEMENTS: Final = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "\r": "&#13;"}


def _replace(match: re.Match[str]) -> str:
    return _REPLACEMENTS.get(match.group(), "\ufffd")


def xml_escape(text: str) -> str:
    """Escape ``text`` for XML element content or a double-quoted attribute."""
    if _XML_SPECIAL.search(text) is None:
        return text
    return _XML_SPECIAL.sub(_replace, text)


def format_timestamp(value: Any) -> str:
    """ISO 8601, UTC, whole seconds: ``2019-01-12T21:23:08Z``."""
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(UTC)
    elif isinstance(value, date):
        value = datetime(value.year, value.month, value.day)
    elif isinstance(value, int | float) and not isinstance(value, bool):
        value = datetime.fromtimestamp(value, UTC)
    else:
        return xml_escape(str(value))  # already formatted by the caller
    return (
        f"{value.year:04d}-{value.month:02d}-{value.day:02d}"
        f"T{value.hour:02d}:{value.minute:02d}:{value.second:02d}Z"
    )


def _string(value: Any) -> str:
    return xml_escape(value if isinstance(value, str) else str(value))


def _integer(value: Any) -> str:
    return str(int(value))


def _float(value: Any) -> str:
    number = float(value)
    if math.isnan(number):
        return "NaN"
    if math.isinf(number):
        return "Infinity" if number > 0 else "-Infinity"
    return repr(number)


def _boolean(value: Any) -> str:
    return "true" if value else "false"


def _blob(value: Any) -> str:
    raw = value.encode("utf-8") if isinstance(value, str) else bytes(value)
    return base64.b64encode(raw).decode("ascii")


_SCALARS: Final[dict[str, Scalar]] = {
    "string": _string,
    "character": _string,
    "integer": _integer,
    "long": _integer,
    "float": _float,
    "double": _float,
    "boolean": _boolean,
    "timestamp": format_timestamp,
    "blob": _blob,
}


def _tags(name: str) -> tuple[str, str]:
    return f"<{name}>", f"</{name}>"


class _Compiler:
    """Builds (and caches) one encoder per shape of a service."""

    def __init__(self, cache: dict[tuple[str, bool], Encoder]) -> None:
        self._cache = cache

    def compile(self, shape: Shape) -> Encoder:
        """Encoder writing the *content* of an element of this shape (not its own tags)."""
        key = (shape.name, bool(shape.serialization.get("flattened")))
        cached = self._cache.get(key)
        if cached is not None:
            return cached
        kind = shape.type_name
        encoder: Encoder
        if kind == "structure":
            encoder = self._structure(shape, key)
        elif kind == "list":
            encoder = self._list(shape)
        elif kind == "map":
            encoder = self._map(shape)
        else:
            scalar = _SCALARS.get(kind, _string)

            def encoder(value: Any, out: list[str]) -> None:
                out.append(scalar(value))

        self._cache[key] = encoder
        return encoder

    def _element(self, shape: Shape, name: str) -> Encoder:
        """Encoder writing a whole ``<name>...</name>`` element (or several if flattened)."""
        open_tag, close_tag = _tags(name)
        kind = shape.type_name
        if kind in _SCALARS:
            scalar = _SCALARS[kind]

            def scalar_element(value: Any, out: list[str]) -> None:
                out.append(open_tag)
                out.append(scalar(value))
                out.append(close_tag)

            return scalar_element
        if kind == "list" and shape.serialization.get("flattened"):
            item = self._element(shape.member, serialized_name(shape.member, name))

            def flattened_list(value: Any, out: list[str]) -> None:
                for element in value:
                    if element is not None:
                        item(element, out)

            return flattened_list
        if kind == "map" and shape.serialization.get("flattened"):
            entries = self._entries(shape)

            def flattened_map(value: Any, out: list[str]) -> None:
                entries(value, out, open_tag, close_tag)

            return flattened_map
        content = self.compile(shape)

        def element(value: Any, out: list[str]) -> None:
            out.append(open_tag)
            content(value, out)
            out.append(close_tag)

        return element

    def _structure(self, shape: Shape, key: tuple[str, bool]) -> Encoder:
        members: list[tuple[str, Encoder]] = []

        def encode(value: Any, out: list[str]) -> None:
            get = value.get
            for name, member in members:
                member_value = get(name)
                if member_value is not None:
                    member(member_value, out)

        # Registered before the members are compiled so recursive shapes terminate.
        self._cache[key] = encode
        for name, member_shape in shape.members.items():
            xml_name = _member_xml_name(name, member_shape)
            members.append((name, self._element(member_shape, xml_name)))
        return encode

    def _list(self, shape: Shape) -> Encoder:
        item = self._element(shape.member, serialized_name(shape.member, "member"))

        def encode(value: Any, out: list[str]) -> None:
            for element in value:
                if element is not None:
                    item(element, out)

        return encode

    def _entries(self, shape: Shape) -> Callable[[Any, list[str], str, str], None]:
        key_element = self._element(shape.key, serialized_name(shape.key, "key"))
        value_element = self._element(shape.value, serialized_name(shape.value, "value"))

        def encode(value: Any, out: list[str], open_tag: str, close_tag: str) -> None:
            for map_key, map_value in value.items():
                if map_value is None:
                    continue
                out.append(open_tag)
                key_element(map_key, out)
                value_element(map_value, out)
                out.append(close_tag)

        return encode

    def _map(self, shape: Shape) -> Encoder:
        entries = self._entries(shape)

        def encode(value: Any, out: list[str]) -> None:
            entries(value, out, "<entry>", "</entry>")

        return encode


def _member_xml_name(name: str, shape: Shape) -> str:
    # A flattened list's elements carry the list member's locationName when it has one.
    if shape.type_name == "list" and shape.serialization.get("flattened"):
        member_name = shape.member.serialization.get("name")
        if isinstance(member_name, str):
            return member_name
    return serialized_name(shape, name)


def compile_encoder(shape: Shape, cache: dict[tuple[str, bool], Encoder]) -> Encoder:
    """Return the (cached) encoder writing the content of an element of ``shape``."""
    return _Compiler(cache).compile(shape)


def encode_error(error: AWSError, request_id: str, xmlns: str) -> bytes:
    """The ``<ErrorResponse>`` document AWS query services send for ``error``.

    Some AWS errors (e.g. IAM's ReportNotPresent) carry no message at all: an
    empty message leaves the ``<Message>`` element out, as AWS does.
    """
    message = f"<Message>{xml_escape(error.message)}</Message>" if error.message else ""
    return (
        f'<ErrorResponse xmlns="{xml_escape(xmlns)}"><Error>'
        f"<Type>{error.fault_type}</Type>"
        f"<Code>{xml_escape(error.code)}</Code>"
        f"{message}"
        f"</Error><RequestId>{xml_escape(request_id)}</RequestId></ErrorResponse>"
    ).encode()
