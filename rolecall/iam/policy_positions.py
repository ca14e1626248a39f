"""Where each statement of a policy document sits in its text, as the simulator reports it.

The policy simulator's ``MatchedStatements`` carry a ``StartPosition`` and an
``EndPosition`` (1-based line and column).  AWS reports the positions its JSON
reader was at, so a position names the character just *after* a token:

* a ``Statement`` array element starts just after the token before it (the
  ``[`` for the first element, the previous element's closing ``}`` for the
  others) and ends just after its own closing ``}``;
* a ``Statement`` that is a single object starts just after its ``{`` and ends
  just after its ``}``.

For example, in ``{"Version":"2012-10-17","Statement":[{...}]}`` the first
statement starts at line 1, column 38 (the column after ``[``).  ``\\n``,
``\\r\\n`` and a lone ``\\r`` each end a line.

The scanner mirrors Python's JSON reading of the document (the last
``Statement`` key wins, keys may use escapes) and never raises: on text it
cannot follow it reports no positions.
"""

from __future__ import annotations

import bisect
import json
from dataclasses import dataclass
from functools import lru_cache

_WHITESPACE = " \t\n\r"
_MAX_DEPTH = 512


@dataclass(frozen=True, slots=True)
class Position:
    """A 1-based line and column in a policy document."""

    line: int
    column: int

    def shape(self) -> dict[str, int]:
        """The ``Position`` structure of the simulator's output."""
        return {"Line": self.line, "Column": self.column}


@dataclass(frozen=True, slots=True)
class Span:
    """Where one statement starts and ends."""

    start: Position
    end: Position


class _Unreadable(Exception):
    """The text is not JSON the scanner can follow."""


@lru_cache(maxsize=4096)
def statement_spans(text: str) -> tuple[Span, ...]:
    """The span of every statement of ``text``, by statement index (empty if unreadable)."""
    try:
        return _Scanner(text).statements()
    except (_Unreadable, IndexError, ValueError, RecursionError):
        return ()


def statement_span(text: str, index: int) -> Span | None:
    """The span of statement ``index`` of ``text``, or ``None`` if it cannot be found."""
    spans = statement_spans(text)
    return spans[index] if 0 <= index < len(spans) else None


class _Scanner:
    """A minimal JSON reader that remembers where the Statement elements are."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.line_starts = _line_starts(text)

    def after(self, offset: int) -> Position:
        """The position just after the character at ``offset``."""
        line = bisect.bisect_right(self.line_starts, offset)
        return Position(line, offset - self.line_starts[line - 1] + 2)

    def statements(self) -> tuple[Span, ...]:
        text = self.text
        i = self._skip(0)
        if i >= len(text) or text[i] != "{":
            raise _Unreadable
        found: tuple[Span, ...] | None = None
        i = self._skip(i + 1)
        if text[i] == "}":
            return ()
        while True:
            key_start = i
            i = self._string(i)
            key = json.loads(text[key_start:i])
            i = self._skip(i)
            if text[i] != ":":
                raise _Unreadable
            i = self._skip(i + 1)
            if key == "Statement":
                found, i = self._statement_value(i)
            else:
                i = self._value(i, 1)
            i = self._skip(i)
            if text[i] == "}":
                break
            if text[i] != ",":
                raise _Unreadable
            i = self._skip(i + 1)
        return found or ()

    def _statement_value(self, i: int) -> tuple[tuple[Span, ...], int]:
        text = self.text
        if text[i] == "{":
            end = self._value(i, 1)
            return (Span(self.after(i), self.after(end - 1)),), end
        if text[i] != "[":
            return (), self._value(i, 1)
        spans: list[Span] = []
        previous = i  # the token the next element starts after
        i = self._skip(i + 1)
        if text[i] == "]":
            return (), i + 1
        while True:
            end = self._value(i, 2)
            spans.append(Span(self.after(previous), self.after(end - 1)))
            previous = end - 1
            i = self._skip(end)
            if text[i] == "]":
                return tuple(spans), i + 1
            if text[i] != ",":
                raise _Unreadable
            i = self._skip(i + 1)

    def _skip(self, i: int) -> int:
        text = self.text
        while i < len(text) and text[i] in _WHITESPACE:
            i += 1
        return i

    def _value(self, i: int, depth: int) -> int:
        """The offset just past the JSON value starting at ``i``."""
        if depth > _MAX_DEPTH:
            raise _Unreadable
        text = self.text
        c = text[i]
        if c == '"':
            return self._string(i)
        if c in "{[":
            close = "}" if c == "{" else "]"
            i = self._skip(i + 1)
            if text[i] == close:
                return i + 1
            while True:
                if c == "{":
                    i = self._skip(self._string(i))
                    if text[i] != ":":
                        raise _Unreadable
                    i = self._skip(i + 1)
                i = self._skip(self._value(i, depth + 1))
                if text[i] == close:
                    return i + 1
                if text[i] != ",":
                    raise _Unreadable
                i = self._skip(i + 1)
        start = i
        while i < len(text) and text[i] not in _WHITESPACE and text[i] not in ",]}:":
            i += 1
        if i == start:
            raise _Unreadable
        return i

    def _string(self, i: int) -> int:
        """The offset just past the string literal starting at ``i``."""
        text = self.text
        if text[i] != '"':
            raise _Unreadable
        i += 1
        while True:
            c = text[i]
            if c == '"':
                return i + 1
            i += 2 if c == "\\" else 1


def _line_starts(text: str) -> list[int]:
    """Offsets at which each line begins (line 1 at offset 0)."""
    starts = [0]
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c == "\n":
            starts.append(i + 1)
        elif c == "\r":
            if i + 1 < n and text[i + 1] == "\n":
                i += 1
            starts.append(i + 1)
        i += 1
    return starts
