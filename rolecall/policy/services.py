"""Which services a policy can grant access to (no request, no context).

Used by IAM's ListPoliciesGrantingServiceAccess, which "only applies permissions
policy logic": a policy grants access to a service when one of its Allow
statements could match some action of that service, whatever its resources and
conditions.  Decided from the service part of each action pattern, since
rolecall carries no catalogue of every service's actions:

* ``Action``: a pattern whose service part matches the namespace (``s3:Get*``,
  ``s*:List*``, ``*``) grants it;
* ``NotAction``: the statement allows every action it does not name, so it
  grants a service unless one of its patterns excludes the whole service
  (``s3:*``, ``*``).

Namespaces and patterns compare case-insensitively, as actions do.
:func:`grants_action` asks the same of one action (the access advisor's
action-level report).
"""

from __future__ import annotations

from .ast import Effect, Policy, Statement
from .patterns import compile_glob


def grants_service(policy: Policy, namespace: str) -> bool:
    """Whether an Allow statement of ``policy`` could allow an action of ``namespace``."""
    return any(_statement_grants(st, namespace) for st in policy.statements)


def _statement_grants(statement: Statement, namespace: str) -> bool:
    if statement.effect is not Effect.ALLOW:
        return False
    if statement.not_action:
        return not any(_excludes_service(p, namespace) for p in statement.actions)
    return any(_names_service(p, namespace) for p in statement.actions)


def _split(pattern: str) -> tuple[str, str]:
    if pattern == "*":
        return "*", "*"
    service, _, action = pattern.partition(":")
    return service, action


def _service_matches(service_glob: str, namespace: str) -> bool:
    return compile_glob(service_glob, ignore_case=True).fullmatch(namespace) is not None


def _names_service(pattern: str, namespace: str) -> bool:
    return _service_matches(_split(pattern)[0], namespace)


def _excludes_service(pattern: str, namespace: str) -> bool:
    service, action = _split(pattern)
    # Only an action part of nothing but "*" covers every action of the service.
    return action != "" and action.strip("*") == "" and _service_matches(service, namespace)


def grants_action(policy: Policy, action: str) -> bool:
    """Whether an Allow statement of ``policy`` could allow ``action`` (``svc:Name``)."""
    return any(_statement_grants_action(st, action) for st in policy.statements)


def _statement_grants_action(statement: Statement, action: str) -> bool:
    if statement.effect is not Effect.ALLOW:
        return False
    named = any(
        compile_glob(pattern, ignore_case=True).fullmatch(action) is not None
        for pattern in statement.actions
    )
    return not named if statement.not_action else named
