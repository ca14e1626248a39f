"""Turn a parsed :class:`~rolecall.policy.ast.Policy` back into a JSON document.

The result is the canonical form of the document: every element that can hold a
list is written as a list, the statement block is always a list, and condition
values are the strings AWS compares.  Parsing the result gives an equal AST
(apart from ``Policy.text``), which is what the round-trip tests rely on and what
lets tools print one statement of a policy on its own.
"""

from __future__ import annotations

import json
from typing import Any

from .ast import Policy, Principals, Statement


def policy_document(policy: Policy) -> dict[str, Any]:
    """The document of ``policy`` as JSON-compatible Python data."""
    doc: dict[str, Any] = {}
    if policy.version is not None:
        doc["Version"] = policy.version
    if policy.id is not None:
        doc["Id"] = policy.id
    doc["Statement"] = [statement_document(st) for st in policy.statements]
    return doc


def statement_document(st: Statement) -> dict[str, Any]:
    """One statement as JSON-compatible Python data."""
    out: dict[str, Any] = {}
    if st.sid is not None:
        out["Sid"] = st.sid
    out["Effect"] = st.effect.value
    if st.principals is not None:
        out["NotPrincipal" if st.not_principal else "Principal"] = _principals(st.principals)
    out["NotAction" if st.not_action else "Action"] = list(st.actions)
    if st.resources is not None:
        out["NotResource" if st.not_resource else "Resource"] = list(st.resources)
    if st.conditions:
        block: dict[str, dict[str, list[str]]] = {}
        for clause in st.conditions:
            block.setdefault(clause.operator, {})[clause.key] = list(clause.values)
        out["Condition"] = block
    return out


def _principals(principals: Principals) -> str | dict[str, list[str]]:
    if principals.wildcard:
        return "*"
    out: dict[str, list[str]] = {}
    for name, values in (
        ("AWS", principals.aws),
        ("Service", principals.service),
        ("Federated", principals.federated),
        ("CanonicalUser", principals.canonical_user),
    ):
        if values:
            out[name] = list(values)
    return out


def dump_policy(policy: Policy, *, indent: int | None = None) -> str:
    """The canonical JSON text of ``policy``."""
    return json.dumps(policy_document(policy), indent=indent)
