"""How ``rolecall policy simulate`` shows its decisions: a rich table, or JSON.

Both forms carry the same facts: the decision, the policy type that decided a
refusal and AWS's AccessDenied wording, the statements that decided (file, Sid,
statement index), the context keys that were missing, and what each policy type
alone decided.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from rolecall.policy import CompiledStatement, Decision, Outcome

_STYLE = {
    Outcome.ALLOWED: "bold green",
    Outcome.EXPLICIT_DENY: "bold red",
    Outcome.IMPLICIT_DENY: "bold yellow",
}


@dataclass(frozen=True)
class Result:
    """One simulated request and its decision."""

    caller: str
    action: str
    resource: str
    decision: Decision


def statement_record(st: CompiledStatement) -> dict[str, Any]:
    """A matched statement as JSON: where it is and what it says."""
    return {
        "policy": st.source.policy_id,
        "policyType": st.source.policy_type,
        "sid": st.statement.sid,
        "index": st.statement.index,
        "effect": st.statement.effect.value,
    }


def result_record(result: Result) -> dict[str, Any]:
    """One result as JSON."""
    d = result.decision
    return {
        "action": result.action,
        "resource": result.resource,
        "decision": d.outcome.value,
        "decidedBy": d.decided_by.value if d.decided_by and not d.allowed else None,
        "message": None if d.allowed else d.message(result.caller, result.action, result.resource),
        "matchedStatements": [statement_record(st) for st in d.matched],
        "missingContextKeys": list(d.missing_context_keys),
        "details": {kind.value: outcome.value for kind, outcome in d.details.items()},
    }


def to_json(caller: str, results: list[Result]) -> str:
    """The whole simulation as JSON text."""
    return json.dumps({"caller": caller, "results": [result_record(r) for r in results]}, indent=2)


def _statement_text(st: CompiledStatement) -> str:
    sid = f" {st.statement.sid}" if st.statement.sid else ""
    where = f"{st.source.policy_id} [{st.source.policy_type}]"
    return f"{where} statement {st.statement.index}{sid} ({st.statement.effect.value})"


def render(console: Console, caller: str, results: list[Result]) -> None:
    """Print the results for a person."""
    console.print(Text.assemble("Caller: ", (caller, "bold")))
    table = Table(show_lines=True)
    table.add_column("Action")
    table.add_column("Resource", overflow="fold")
    table.add_column("Decision")
    table.add_column("Why", overflow="fold")
    for r in results:
        d = r.decision
        why: list[str] = [_statement_text(st) for st in d.matched]
        if not d.allowed:
            why.insert(0, d.message(caller, r.action, r.resource))
        if d.missing_context_keys:
            why.append("missing context keys: " + ", ".join(d.missing_context_keys))
        decision = Text(d.outcome.value, style=_STYLE[d.outcome])
        # Text, not str: file names, Sids and ARNs may contain "[...]" that rich would
        # otherwise read as markup.
        table.add_row(Text(r.action), Text(r.resource), decision, Text("\n".join(why) or "-"))
    console.print(table)
