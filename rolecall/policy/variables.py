"""Policy variables: ``${aws:username}``, ``${aws:PrincipalTag/team, 'default'}``, ``${*}``.

Under Version 2012-10-17 a policy string may embed variables that are replaced
by request context values at evaluation time (in ``Resource``/``NotResource`` and
in string and ARN condition values).  Under 2008-10-17, or without a Version,
``${...}`` is plain text.  The special forms ``${*}``, ``${?}`` and ``${$}`` stand
for the literal characters, so a policy can match a real asterisk.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_VARIABLE = re.compile(r"\$\{([^}]*)\}")
_DEFAULT = re.compile(r"\s*([^,\s][^,]*?)\s*,\s*'([^']*)'\s*")
_NAME = re.compile(r"[A-Za-z0-9:/._@+=,-]+")
_SPECIAL = {"*": "*", "?": "?", "$": "$"}

#: The request context as the evaluator reads it: lower-cased key → values.
ContextValues = dict[str, tuple[str, ...]]


@dataclass(frozen=True, slots=True)
class Variable:
    """A ``${key}`` reference.

    ``name`` is the key as written, ``key`` lower-cased; ``default`` may be ``None``.
    """

    name: str
    key: str
    default: str | None


@dataclass(frozen=True, slots=True)
class Literal:
    """Text that must be matched literally even if it contains ``*`` or ``?``."""

    text: str


#: A parsed policy string: plain text (wildcards active), literals and variables.
Part = str | Literal | Variable


def parse_template(text: str, *, enabled: bool) -> tuple[Part, ...]:
    """Split ``text`` into plain text, literal escapes and variables.

    With ``enabled`` false (policy Version other than 2012-10-17) the whole text is
    plain.  Malformed ``${...}`` sequences stay plain text, as AWS treats them.
    """
    if not enabled or "${" not in text:
        return (text,)
    parts: list[Part] = []
    pos = 0
    for m in _VARIABLE.finditer(text):
        inner = m.group(1)
        part = _parse_variable(inner)
        if part is None:
            continue
        if m.start() > pos:
            parts.append(text[pos : m.start()])
        parts.append(part)
        pos = m.end()
    if pos < len(text):
        parts.append(text[pos:])
    return tuple(parts) if parts else ("",)


def _parse_variable(inner: str) -> Literal | Variable | None:
    stripped = inner.strip()
    if stripped in _SPECIAL:
        return Literal(_SPECIAL[stripped])
    m = _DEFAULT.fullmatch(inner)
    if m:
        name, default = m.group(1), m.group(2)
    else:
        name, default = stripped, None
    if not _NAME.fullmatch(name) or ":" not in name:
        return None
    return Variable(name, name.lower(), default)


def has_variables(parts: tuple[Part, ...]) -> bool:
    """Whether any part needs the request context to be resolved."""
    return any(isinstance(p, Variable) for p in parts)


def resolve(variable: Variable, values: ContextValues) -> str | None:
    """The value a variable stands for in this request, or ``None`` if it has none.

    Multi-valued keys cannot be substituted (AWS: the variable has no value), so
    only single values resolve.
    """
    found = values.get(variable.key)
    if found is not None and len(found) == 1:
        return found[0]
    return variable.default


def referenced_keys(parts: tuple[Part, ...]) -> list[str]:
    """The context keys a template reads, as written."""
    return [p.name for p in parts if isinstance(p, Variable)]
