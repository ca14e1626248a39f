"""Wildcard patterns compiled to regular expressions, once.

Three dialects are used by policies:

* actions — ``*`` and ``?`` anywhere, case-insensitive (``iam:Get*``);
* plain strings (``StringLike``) — ``*`` and ``?``, case-sensitive, ``*`` spans anything;
* ARNs (``Resource``, ``ArnLike``) — case-sensitive and component-wise: in the
  first five colon-separated components a wildcard stays inside its component,
  while in the last component of the pattern (the resource part, which may itself
  contain colons, or a shorter pattern's final component such as ``arn:aws:s3:*``)
  ``*`` runs past colons.

Plain patterns without wildcards are compared as strings; several patterns of one
element are merged into one alternation so a statement costs one regex call.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

from .variables import (
    ContextValues,
    Literal,
    Part,
    Variable,
    has_variables,
    parse_template,
    referenced_keys,
    resolve,
)

_ARN_COMPONENTS = 6


def has_wildcards(text: str) -> bool:
    """Whether ``text`` contains a glob wildcard."""
    return "*" in text or "?" in text


def glob_to_regex(pattern: str) -> str:
    """Regex source for a glob in which ``*`` spans anything."""
    out: list[str] = []
    for ch in pattern:
        if ch == "*":
            out.append(".*")
        elif ch == "?":
            out.append(".")
        else:
            out.append(re.escape(ch))
    return "".join(out)


def compile_glob(pattern: str, *, ignore_case: bool = False) -> re.Pattern[str]:
    """Compile a glob (``*`` spans anything) for ``fullmatch``."""
    flags = re.DOTALL | (re.IGNORECASE if ignore_case else 0)
    return re.compile(glob_to_regex(pattern), flags)


def template_to_regex(
    parts: Iterable[Part], values: ContextValues | None, *, arn: bool
) -> str | None:
    """Regex source for a parsed template, substituting variables from ``values``.

    Returns ``None`` when a variable has no value and no default: such a pattern
    matches nothing.  Substituted values are always matched literally.
    """
    parts = tuple(parts)
    last_component = _last_component(parts) if arn else 0
    component = 0
    out: list[str] = []
    for part in parts:
        if isinstance(part, Variable):
            if values is None:
                return None
            value = resolve(part, values)
            if value is None:
                return None
            out.append(re.escape(value))
        elif isinstance(part, Literal):
            out.append(re.escape(part.text))
        else:
            for ch in part:
                if ch == ":" and arn:
                    component += 1
                    out.append(":")
                elif ch == "*":
                    out.append(".*" if not arn or component >= last_component else "[^:]*")
                elif ch == "?":
                    out.append("." if not arn or component >= last_component else "[^:]")
                else:
                    out.append(re.escape(ch))
    return "".join(out)


def _last_component(parts: tuple[Part, ...]) -> int:
    colons = sum(p.count(":") for p in parts if isinstance(p, str))
    return min(colons, _ARN_COMPONENTS - 1)


@lru_cache(maxsize=8192)
def _compile(source: str, flags: int) -> re.Pattern[str]:
    return re.compile(source, flags)


class DynamicPattern:
    """A pattern containing policy variables, resolved per request.

    Most such patterns are literal apart from the variable
    (``arn:aws:iam::123456789012:user/${aws:username}``): those are compared as
    strings.  Patterns with wildcards compile one regex per distinct combination of
    variable values and keep it.
    """

    __slots__ = (
        "_compiled",
        "_flags",
        "_ignore_case",
        "_literal",
        "_parts",
        "_prefix",
        "_suffix",
        "_variables",
        "arn",
        "fixed_prefix",
    )

    def __init__(
        self, parts: tuple[Part, ...], *, arn: bool, ignore_case: bool, flags: int
    ) -> None:
        self._parts = parts
        self.arn = arn
        self._ignore_case = ignore_case
        self._flags = flags
        self._variables = tuple(p for p in parts if isinstance(p, Variable))
        self._literal = not any(isinstance(p, str) and has_wildcards(p) for p in parts)
        self._compiled: dict[tuple[str, ...], re.Pattern[str] | None] = {}
        # The usual shape, "literal ${var} literal", is compared without building lists.
        self._prefix: str | None = None
        self._suffix = ""
        if self._literal and len(self._variables) == 1:
            at = parts.index(self._variables[0])
            self._prefix = "".join(_text(p) for p in parts[:at])
            self._suffix = "".join(_text(p) for p in parts[at + 1 :])
        #: the text every matching value starts with, whatever the variables hold
        #: ("" for case-insensitive patterns, which a prefix test cannot serve)
        self.fixed_prefix = "" if ignore_case else _fixed_prefix(parts)

    def match(self, value: str, values: ContextValues) -> bool:
        """Whether ``value`` matches once variables take their values from ``values``."""
        if self._prefix is not None:
            v = resolve(self._variables[0], values)
            if v is None:
                return False
            text = self._prefix + v + self._suffix
            if self._ignore_case:
                return text.lower() == value.lower()
            return text == value
        resolved: list[str] = []
        for var in self._variables:
            v = resolve(var, values)
            if v is None:
                return False
            resolved.append(v)
        if self._literal:
            text = self._join(resolved)
            if self._ignore_case:
                return text.lower() == value.lower()
            return text == value
        key = tuple(resolved)
        regex = self._compiled.get(key)
        if regex is None:
            if len(self._compiled) > 1024:
                self._compiled.clear()
            source = template_to_regex(self._parts, values, arn=self.arn)
            regex = _compile(source, self._flags) if source is not None else None
            self._compiled[key] = regex
        return regex is not None and regex.fullmatch(value) is not None

    def _join(self, resolved: list[str]) -> str:
        out: list[str] = []
        it = iter(resolved)
        for p in self._parts:
            if isinstance(p, Variable):
                out.append(next(it))
            elif isinstance(p, Literal):
                out.append(p.text)
            else:
                out.append(p)
        return "".join(out)


class PatternSet:
    """A set of patterns of one dialect; ``match`` is true if any pattern matches.

    Args:
        patterns: the pattern strings as written in the policy.
        arn: ARN dialect (component-wise) instead of plain strings.
        ignore_case: compare case-insensitively (actions, ``...IgnoreCase``).
        wildcards: interpret ``*``/``?`` (false for exact operators such as ``StringEquals``).
        variables: interpret ``${...}`` policy variables.
    """

    __slots__ = ("any_value", "dynamic", "exact", "ignore_case", "keys", "regex", "regex_sources")

    def __init__(
        self,
        patterns: Iterable[str],
        *,
        arn: bool = False,
        ignore_case: bool = False,
        wildcards: bool = True,
        variables: bool = False,
    ) -> None:
        self.ignore_case = ignore_case
        flags = re.DOTALL | (re.IGNORECASE if ignore_case else 0)
        exact: set[str] = set()
        static_sources: list[str] = []
        dynamic: list[DynamicPattern] = []
        keys: list[str] = []
        self.any_value = False
        for pattern in patterns:
            parts = parse_template(pattern, enabled=variables)
            if has_variables(parts):
                parts = parts if wildcards else _literalise(parts)
                dynamic.append(DynamicPattern(parts, arn=arn, ignore_case=ignore_case, flags=flags))
                keys.extend(referenced_keys(parts))
                continue
            text = "".join(_text(p) for p in parts)
            if wildcards and pattern == "*" and len(parts) == 1:
                self.any_value = True
            if not wildcards or (len(parts) == 1 and not has_wildcards(text)):
                exact.add(text.lower() if ignore_case else text)
            else:
                source = template_to_regex(parts, None, arn=arn)
                assert source is not None
                static_sources.append(source)
        self.exact = frozenset(exact)
        self.regex_sources = tuple(static_sources)
        self.regex = combine_sources(static_sources, flags)
        self.dynamic = tuple(dynamic)
        self.keys = tuple(keys)

    def match(self, value: str, values: ContextValues | None = None) -> bool:
        """Whether ``value`` matches any pattern (variables resolved from ``values``)."""
        if self.any_value:
            return True
        if self.exact and (value.lower() if self.ignore_case else value) in self.exact:
            return True
        if self.regex is not None and self.regex.fullmatch(value) is not None:
            return True
        if self.dynamic:
            if values is None:
                return False
            for pattern in self.dynamic:
                if pattern.match(value, values):
                    return True
        return False

    @property
    def is_static(self) -> bool:
        """True when no pattern depends on the request context."""
        return not self.dynamic


def _fixed_prefix(parts: tuple[Part, ...]) -> str:
    out: list[str] = []
    for part in parts:
        if isinstance(part, Variable):
            break
        if isinstance(part, Literal):
            out.append(part.text)
            continue
        cut = min((i for i in (part.find("*"), part.find("?")) if i >= 0), default=-1)
        if cut >= 0:
            out.append(part[:cut])
            break
        out.append(part)
    return "".join(out)


def _text(part: Part) -> str:
    return part.text if isinstance(part, Literal) else part if isinstance(part, str) else ""


def combine_sources(sources: Iterable[str], flags: int = re.DOTALL) -> re.Pattern[str] | None:
    """One compiled alternation of several regex sources (``None`` if there are none)."""
    unique = list(dict.fromkeys(sources))
    if not unique:
        return None
    if len(unique) == 1:
        return re.compile(unique[0], flags)
    return re.compile("|".join(f"(?:{s})" for s in unique), flags)


def _literalise(parts: tuple[Part, ...]) -> tuple[Part, ...]:
    """Make the wildcard characters of plain text literal (for exact-match operators)."""
    return tuple(Literal(p) if isinstance(p, str) else p for p in parts)
