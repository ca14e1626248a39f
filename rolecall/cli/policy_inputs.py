"""Inputs of ``rolecall policy``: policy files, caller ARNs and context options.

Kept apart from the commands so that the parsing rules (what a caller ARN may
look like, how ``key=value`` options become a request context) are plain
functions with plain errors.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from rolecall.policy import (
    Caller,
    CallerKind,
    CompiledPolicy,
    PolicyError,
    PolicyKind,
    PolicySource,
    RequestContext,
    compile_policy,
    root_caller,
)

#: the caller used when --caller is not given
DEFAULT_CALLER = "arn:aws:iam::123456789012:user/simulated-user"

_ARN = re.compile(
    r"arn:(?P<partition>aws[a-z-]*):(?P<service>iam|sts)::(?P<account>\d{12}):(?P<rest>.+)"
)


class InputError(Exception):
    """An input the command cannot use; the message says which and why."""


@dataclass(frozen=True)
class PolicyFile:
    """A policy document read from a file (or stdin, ``-``)."""

    path: str
    text: str


def read_policy_file(path: Path) -> PolicyFile:
    """Read a document; ``-`` reads standard input."""
    import sys

    if str(path) == "-":
        return PolicyFile("-", sys.stdin.read())
    try:
        return PolicyFile(str(path), path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InputError(f"{path}: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise InputError(f"{path}: not UTF-8 text") from None


def compile_file(file: PolicyFile, kind: PolicyKind, source_type: str) -> CompiledPolicy:
    """Compile a document, naming the file in the error if it is rejected."""
    try:
        return compile_policy(file.text, kind, PolicySource(file.path, source_type))
    except PolicyError as exc:
        raise InputError(f"{file.path}: {exc.code}: {exc.message}") from None


def is_trust_policy(text: str) -> bool:
    """Whether a resource-side document is a role trust policy (no Resource elements)."""
    import json

    try:
        doc = json.loads(text)
    except ValueError:
        return False
    statements = doc.get("Statement") if isinstance(doc, dict) else None
    if isinstance(statements, dict):
        statements = [statements]
    if not isinstance(statements, list) or not statements:
        return False
    return all(
        isinstance(st, dict) and "Resource" not in st and "NotResource" not in st
        for st in statements
    )


def parse_caller(arn: str, *, has_boundary: bool = False) -> Caller:
    """The caller an ARN names: an IAM user, a role session, a federated user or root.

    Role sessions are assumed to be of a role without a path (``role/NAME``); the ARN of a
    session does not say the role's path.
    """
    m = _ARN.fullmatch(arn)
    if m is None:
        raise InputError(
            f"--caller {arn!r} is not a user, assumed-role, federated-user or root ARN"
        )
    partition, service, account, rest = m["partition"], m["service"], m["account"], m["rest"]
    if service == "iam" and rest == "root":
        return root_caller(account, partition)
    if service == "iam" and rest.startswith("user/") and len(rest) > len("user/"):
        return Caller(CallerKind.USER, arn, account, has_boundary=has_boundary)
    if service == "sts" and rest.startswith("assumed-role/"):
        role, _, session = rest[len("assumed-role/") :].partition("/")
        if role and session:
            return Caller(
                CallerKind.ASSUMED_ROLE,
                arn,
                account,
                role_arn=f"arn:{partition}:iam::{account}:role/{role}",
                has_boundary=has_boundary,
            )
    if (
        service == "sts"
        and rest.startswith("federated-user/")
        and len(rest) > len("federated-user/")
    ):
        return Caller(CallerKind.FEDERATED_USER, arn, account)
    raise InputError(f"--caller {arn!r} is not a user, assumed-role, federated-user or root ARN")


def parse_context(items: Iterable[str]) -> RequestContext:
    """``key=value`` options; a key given several times is multi-valued."""
    values: dict[str, list[str]] = {}
    names: dict[str, str] = {}
    for item in items:
        key, sep, value = item.partition("=")
        key = key.strip()
        if not sep or not key:
            raise InputError(f"--context {item!r} is not key=value")
        names.setdefault(key.lower(), key)
        values.setdefault(key.lower(), []).append(value)
    ctx = RequestContext()
    for lowered, vals in values.items():
        ctx.set(names[lowered], vals)
    return ctx


def default_context(caller: Caller, ctx: RequestContext) -> RequestContext:
    """Fill in the global keys AWS always sets for a caller, unless given explicitly.

    ``aws:username`` (IAM users), ``aws:PrincipalArn``, ``aws:PrincipalAccount`` and
    ``aws:PrincipalType`` -- so that policies with ``${aws:username}`` work out of the box.
    """
    out = ctx.copy()
    defaults: dict[str, str] = {
        "aws:PrincipalArn": caller.role_arn or caller.arn,
        "aws:PrincipalAccount": caller.account,
        "aws:PrincipalType": caller.kind.value,
    }
    if caller.kind is CallerKind.USER:
        defaults["aws:username"] = caller.arn.rsplit("/", 1)[-1]
    for key, value in defaults.items():
        if key not in out:
            out.set(key, value)
    return out
