"""Translation of the service models' Java regular expressions into Python ``re``.

AWS validates the ``pattern`` traits of its models with ``java.util.regex``; the
botocore models carry those patterns verbatim.  Python's ``re`` reads most of them
the same way, but not all:

* ``\\w``, ``\\d`` and ``\\s`` are ASCII-only in Java and Unicode-aware in Python, so
  patterns are compiled with :data:`re.ASCII` (``[\\w+=,.@-]+`` must reject ``é``);
* ``\\p{L}``, ``\\p{Z}``, ``\\p{N}`` (Unicode categories) do not exist in ``re`` and
  are expanded to explicit code point ranges from :mod:`unicodedata`;
* Java's ``.`` excludes every line terminator, not just ``\\n``;
* Java-only syntax (``\\Q..\\E``, ``\\x{..}``, ``\\e``, ``\\z``, named groups) is
  rewritten, and anything we cannot translate faithfully raises
  :class:`UnsupportedPattern` instead of silently matching something else.

``\\uXXXX`` takes exactly four hex digits in both engines, so the STS pattern
``\\u10000-\\u10FFFF`` means ``\\u1000``, ``0-\\u10FF``, ``F``, ``F`` in Java and
that is what it means here too: we reproduce what AWS's validator does, not what
the model's author may have intended.
"""

from __future__ import annotations

import functools
import re
import unicodedata

__all__ = ["UnsupportedPattern", "compile_java", "java_to_python"]


class UnsupportedPattern(ValueError):
    """The Java pattern uses syntax that has no faithful Python translation."""


# Planes 4-13 hold no assigned code point in any Unicode version up to 15.1, so the
# category scan skips them (saves two thirds of the start-up cost).
_UNASSIGNED_PLANES = (0x40000, 0xE0000)

_POSIX_ASCII: dict[str, str] = {
    # Java's POSIX classes are US-ASCII only unless UNICODE_CHARACTER_CLASS is set.
    "Lower": "a-z",
    "Upper": "A-Z",
    "ASCII": "\\x00-\\x7f",
    "Alpha": "a-zA-Z",
    "Digit": "0-9",
    "Alnum": "a-zA-Z0-9",
    "Punct": "!-/:-@\\[-`{-~",
    "Graph": "!-~",
    "Print": " -~",
    "Blank": " \\t",
    "Cntrl": "\\x00-\\x1f\\x7f",
    "XDigit": "0-9a-fA-F",
    "Space": " \\t\\n\\x0b\\f\\r",
}

# Java's '.' (without DOTALL) excludes all of these line terminators.
_JAVA_DOT = "[^\\n\\r\\u0085\\u2028\\u2029]"


@functools.cache
def _category_ranges() -> dict[str, tuple[tuple[int, int], ...]]:
    """Map each two-letter general category to its sorted code point ranges."""
    ranges: dict[str, list[tuple[int, int]]] = {}
    category = unicodedata.category
    lo, hi = _UNASSIGNED_PLANES

    def scan(start: int, stop: int) -> None:
        run_cat = ""
        run_start = start
        for cp in range(start, stop):
            cat = category(chr(cp))
            if cat != run_cat:
                if run_cat:
                    ranges.setdefault(run_cat, []).append((run_start, cp - 1))
                run_cat, run_start = cat, cp
        ranges.setdefault(run_cat, []).append((run_start, stop - 1))

    scan(0, lo)
    ranges.setdefault("Cn", []).append((lo, hi - 1))
    scan(hi, 0x110000)
    return {cat: tuple(sorted(rs)) for cat, rs in ranges.items()}


def _merge(ranges: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, stop in sorted(ranges):
        if merged and start <= merged[-1][1] + 1:
            if stop > merged[-1][1]:
                merged[-1] = (merged[-1][0], stop)
        else:
            merged.append((start, stop))
    return merged


def _complement(ranges: list[tuple[int, int]]) -> list[tuple[int, int]]:
    result: list[tuple[int, int]] = []
    nxt = 0
    for start, stop in ranges:
        if start > nxt:
            result.append((nxt, start - 1))
        nxt = stop + 1
    if nxt <= 0x10FFFF:
        result.append((nxt, 0x10FFFF))
    return result


def _escape_cp(cp: int) -> str:
    return f"\\U{cp:08x}"


def _ranges_to_class_body(ranges: list[tuple[int, int]]) -> str:
    return "".join(
        _escape_cp(a) if a == b else f"{_escape_cp(a)}-{_escape_cp(b)}" for a, b in ranges
    )


def _property_ranges(name: str) -> list[tuple[int, int]]:
    """Code point ranges of a Java ``\\p{name}`` property (general categories only)."""
    cat_name = name[2:] if name.startswith("Is") and len(name) <= 4 else name
    table = _category_ranges()
    if len(cat_name) == 1 and cat_name in "LMNPSZC":
        selected = [r for cat, rs in table.items() if cat[0] == cat_name for r in rs]
        return _merge(selected)
    if len(cat_name) == 2 and cat_name in table:
        return list(table[cat_name])
    if len(cat_name) == 2 and cat_name[0] in "LMNPSZC":
        return []  # a valid category that happens to have no code points
    raise UnsupportedPattern(f"unsupported Unicode property \\p{{{name}}}")


def _class_body_for_property(name: str, negated: bool) -> str:
    if name in _POSIX_ASCII:
        if negated:
            raise UnsupportedPattern(f"negated POSIX class \\P{{{name}}}")
        return _POSIX_ASCII[name]
    ranges = _merge(_property_ranges(name))
    if negated:
        ranges = _complement(ranges)
    return _ranges_to_class_body(ranges)


def _read_property_name(pattern: str, i: int) -> tuple[str, int]:
    """Read the name after ``\\p``/``\\P`` starting at ``i``; return it and the next index."""
    if i >= len(pattern):
        raise UnsupportedPattern("dangling \\p")
    if pattern[i] == "{":
        end = pattern.find("}", i)
        if end < 0:
            raise UnsupportedPattern("unterminated \\p{")
        return pattern[i + 1 : end], end + 1
    return pattern[i], i + 1


def _translate_escape(pattern: str, i: int, in_class: bool) -> tuple[str, int]:
    """Translate the escape whose backslash is at ``i - 1``; ``i`` indexes the escaped char."""
    if i >= len(pattern):
        raise UnsupportedPattern("pattern ends with a backslash")
    c = pattern[i]
    if c in "pP":
        name, nxt = _read_property_name(pattern, i + 1)
        body = _class_body_for_property(name, c == "P")
        return (body if in_class else f"[{body}]"), nxt
    if c == "u":
        digits = pattern[i + 1 : i + 5]
        if len(digits) != 4 or not all(d in "0123456789abcdefABCDEF" for d in digits):
            raise UnsupportedPattern("\\u needs four hex digits")
        return _escape_cp(int(digits, 16)), i + 5
    if c == "x":
        if pattern.startswith("{", i + 1):
            end = pattern.find("}", i)
            if end < 0:
                raise UnsupportedPattern("unterminated \\x{")
            return _escape_cp(int(pattern[i + 2 : end], 16)), end + 1
        return _escape_cp(int(pattern[i + 1 : i + 3], 16)), i + 3
    if c == "0":
        j = i + 1
        while j < len(pattern) and j < i + 4 and pattern[j] in "01234567":
            j += 1
        if j == i + 1:
            raise UnsupportedPattern("\\0 needs an octal digit")
        return _escape_cp(int(pattern[i + 1 : j], 8)), j
    if c == "Q":
        end = pattern.find("\\E", i + 1)
        literal = pattern[i + 1 :] if end < 0 else pattern[i + 1 : end]
        nxt = len(pattern) if end < 0 else end + 2
        return "".join(_escape_cp(ord(ch)) for ch in literal), nxt
    if c == "e":
        return "\\x1b", i + 1
    if c == "c" and i + 1 < len(pattern):
        return _escape_cp(ord(pattern[i + 1]) ^ 64), i + 2
    if c in "wWdDsStnrfa":
        return "\\" + c, i + 1
    if not in_class:
        if c in "bB":
            return "\\" + c, i + 1
        if c == "A":
            return "\\A", i + 1
        if c == "z":
            return "\\Z", i + 1
        if c == "Z":
            return "(?=(?:\\r\\n|[\\n\\r\\u0085\\u2028\\u2029])?\\Z)", i + 1
        if c in "123456789":
            return "\\" + c, i + 1
    if c.isascii() and c.isalnum():
        raise UnsupportedPattern(f"unsupported escape \\{c}")
    return _escape_cp(ord(c)), i + 1


def java_to_python(pattern: str) -> str:
    """Return a Python ``re`` pattern (for use with :data:`re.ASCII`) equivalent to ``pattern``."""
    out: list[str] = []
    i = 0
    n = len(pattern)
    in_class = False
    class_start = False
    while i < n:
        c = pattern[i]
        if c == "\\":
            piece, i = _translate_escape(pattern, i + 1, in_class)
            out.append(piece)
            class_start = False
            continue
        if in_class:
            if c == "[":
                raise UnsupportedPattern("nested character classes (Java union) are unsupported")
            if c == "&" and pattern.startswith("&&", i):
                raise UnsupportedPattern("character class intersection (&&) is unsupported")
            if c == "]" and not class_start:
                in_class = False
                out.append(c)
            elif c == "-" and pattern.startswith("--", i):
                raise UnsupportedPattern("ambiguous '--' inside a character class")
            elif c in "&~|[" or (c == "]" and class_start):
                out.append(_escape_cp(ord(c)))
            elif c == "^" and class_start and out[-1] == "[":
                out.append(c)
                i += 1
                continue  # a leading ']' after '[^' is still "first"
            else:
                out.append(c)
            class_start = False
            i += 1
            continue
        if c == "[":
            in_class = True
            class_start = True
            out.append(c)
        elif c == ".":
            out.append(_JAVA_DOT)
        elif (
            c == "("
            and pattern.startswith("(?<", i)
            and not pattern.startswith(("(?<=", "(?<!"), i)
        ):
            out.append("(?P<")  # Java named group
            i += 3
            continue
        else:
            out.append(c)
        i += 1
    if in_class:
        raise UnsupportedPattern("unterminated character class")
    return "".join(out)


@functools.cache
def compile_java(pattern: str) -> re.Pattern[str]:
    """Compile a model's Java pattern once; match values with ``fullmatch``."""
    try:
        return re.compile(java_to_python(pattern), re.ASCII)
    except re.error as exc:
        raise UnsupportedPattern(f"cannot compile {pattern!r}: {exc}") from exc
