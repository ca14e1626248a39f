"""Role trust policies: validation, and principals remembered by unique id.

IAM stores the IAM users and roles a trust policy names by their unique ids: if
the user is deleted and re-created with the same name, the new user (new id) is
not trusted, and GetRole shows the old unique id where the ARN was.  rolecall
does the same: on write, every ``"AWS"`` principal that is a user or role ARN of
an account in this store is replaced by that entity's unique id (an ARN naming
nothing is rejected, as AWS rejects it); on read, ids of entities that still
exist are shown as their current ARNs.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection, and_, select

from rolecall.policy import PolicyError, PolicyKind, parse_policy
from rolecall.policy.limits import check_trust_policy_size
from rolecall.protocol.errors import LimitExceeded, MalformedPolicyDocument
from rolecall.store import schema as t

from . import arns

_ENTITY_ARN = re.compile(r"arn:aws:iam::(\d{12}):(user|role)(/(?:[^/]+/)*)([^/]+)")
_UNIQUE_ID = re.compile(r"A(?:IDA|ROA)[A-Z0-9]{17}")


def _principal_lists(doc: dict[str, Any]) -> list[tuple[dict[str, Any], str]]:
    """Every (Principal/NotPrincipal mapping, element name) that holds AWS principals."""
    statements = doc.get("Statement")
    out: list[tuple[dict[str, Any], str]] = []
    for st in statements if isinstance(statements, list) else [statements]:
        for element in ("Principal", "NotPrincipal"):
            principal = st.get(element) if isinstance(st, dict) else None
            if isinstance(principal, dict) and "AWS" in principal:
                out.append((principal, "AWS"))
    return out


def prepare_trust_policy(conn: Connection, document: str) -> str:
    """Validate a trust policy and return the form to store (principals by unique id).

    Raises MalformedPolicyDocument or LimitExceeded with AWS's messages.
    """
    try:
        check_trust_policy_size(document)
        parse_policy(document, PolicyKind.TRUST)
    except PolicyError as exc:
        if exc.code == "LimitExceeded":
            raise LimitExceeded(exc.message) from None
        raise MalformedPolicyDocument(exc.message) from None
    doc = json.loads(document)
    changed = False
    for principal, key in _principal_lists(doc):
        values = principal[key]
        items = [values] if isinstance(values, str) else list(values)
        mapped = [_to_unique_id(conn, v) for v in items]
        if mapped != items:
            changed = True
            principal[key] = mapped[0] if isinstance(values, str) else mapped
    return json.dumps(doc) if changed else document


def _to_unique_id(conn: Connection, value: str) -> str:
    m = _ENTITY_ARN.fullmatch(value)
    if m is None:
        return value
    account, kind, path, name = m.groups()
    exists = conn.execute(select(t.accounts.c.id).where(t.accounts.c.id == account)).first()
    table = t.users if kind == "user" else t.roles
    row = conn.execute(
        select(table.c.id, table.c.path).where(
            and_(table.c.account_id == account, table.c.name_key == name.lower())
        )
    ).first()
    if exists is None or row is None or row.path != path:
        raise MalformedPolicyDocument(f'Invalid principal in policy: "AWS":"{value}"')
    return str(row.id)


def display_trust_policy(conn: Connection, stored: str) -> str:
    """The trust policy as GetRole shows it: unique ids of live entities as ARNs."""
    return display_trust_policies(conn, [stored])[0]


def display_trust_policies(conn: Connection, stored: list[str]) -> list[str]:
    """:func:`display_trust_policy` for many documents, with two queries in all."""
    wanted = {m.group(0) for text in stored for m in _UNIQUE_ID.finditer(text)}
    if not wanted:
        return list(stored)
    names = _arns_of(conn, wanted)
    out = []
    for text in stored:
        ids = tuple(sorted({m.group(0) for m in _UNIQUE_ID.finditer(text)}))
        if not ids:
            out.append(text)
            continue
        out.append(_rewrite(text, tuple((i, names.get(i, i)) for i in ids)))
    return out


@lru_cache(maxsize=4096)
def _rewrite(text: str, mapping: tuple[tuple[str, str], ...]) -> str:
    # Cached by document and by what its ids stand for now: listing pages of
    # roles that trust the same principals re-renders nothing.
    names = dict(mapping)
    doc = json.loads(text)
    for principal, key in _principal_lists(doc):
        values = principal[key]
        items = [values] if isinstance(values, str) else list(values)
        shown = [names.get(v, v) for v in items]
        principal[key] = shown[0] if isinstance(values, str) else shown
    return json.dumps(doc)


def _arns_of(conn: Connection, ids: set[str]) -> dict[str, str]:
    """Current ARNs of the users and roles with these unique ids (in any account)."""
    found: dict[str, str] = {}
    users = [i for i in ids if i.startswith("AIDA")]
    roles = [i for i in ids if i.startswith("AROA")]
    if users:
        for row in conn.execute(
            select(t.users.c.id, t.users.c.account_id, t.users.c.path, t.users.c.name).where(
                t.users.c.id.in_(users)
            )
        ):
            found[row.id] = arns.user_arn(row.account_id, row.path, row.name)
    if roles:
        for row in conn.execute(
            select(t.roles.c.id, t.roles.c.account_id, t.roles.c.path, t.roles.c.name).where(
                t.roles.c.id.in_(roles)
            )
        ):
            found[row.id] = arns.role_arn(row.account_id, row.path, row.name)
    return found
