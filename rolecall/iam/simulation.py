"""The policy simulator's evaluation: engine decisions turned into ``EvaluationResult``s.

Pure logic, no I/O.  A :class:`Scenario` holds everything a simulation
evaluates — the simulated caller, its identity-based policies, permissions
boundary, service control policies, an optional resource-based policy and the
request context — and :func:`evaluate_action` asks the policy engine, in explain
mode, about one action on each simulated resource.

AWS reports one result per action.  Its top-level decision is the most
restrictive over all resources (explicit deny, then implicit deny, then allow),
its matched statements are those behind that decision, its missing context keys
the union over all resources; ``ResourceSpecificResults`` has each resource's own
answer when ``ResourceArns`` were given.  Statements and context keys of service
control policies are never reported.  Policy types are named as the simulator
names them: ``IAM Policy``, ``Resource Policy``, ``Permissions Boundary Policy``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from rolecall.policy import (
    NO_RESOURCE_POLICIES,
    Caller,
    CompiledPolicy,
    CompiledStatement,
    Decision,
    Outcome,
    PolicyGroup,
    PolicyKind,
    PolicySource,
    PolicyType,
    PrincipalPolicies,
    ResourcePolicies,
    authorize,
    compile_policy,
)
from rolecall.policy.variables import ContextValues

from .policy_positions import statement_span

#: ``SourcePolicyType`` of identity-based policies (inline, managed, PolicyInputList).
IDENTITY_SOURCE = "IAM Policy"
#: ``SourcePolicyType`` of the ``ResourcePolicy``.
RESOURCE_SOURCE = "Resource Policy"
#: ``SourcePolicyType`` of a permissions boundary.
BOUNDARY_SOURCE = "Permissions Boundary Policy"
#: Internal marker for service control policies, whose statements are never reported.
SCP_SOURCE = "Organizations Policy"

#: ``EvalDecisionDetails`` keys, per policy type (SCPs are not detailed).
_DETAIL_KEYS = {
    PolicyType.IDENTITY: IDENTITY_SOURCE,
    PolicyType.RESOURCE: RESOURCE_SOURCE,
    PolicyType.BOUNDARY: BOUNDARY_SOURCE,
    PolicyType.SESSION: "Session Policy",
}
_SEVERITY = {Outcome.ALLOWED: 0, Outcome.IMPLICIT_DENY: 1, Outcome.EXPLICIT_DENY: 2}


@dataclass(frozen=True, slots=True)
class SimPolicy:
    """A policy taking part in a simulation, with the text its positions refer to."""

    source_id: str
    source_type: str
    text: str
    compiled: CompiledPolicy


def sim_policy(text: str, kind: PolicyKind, source_id: str, source_type: str) -> SimPolicy:
    """Compile ``text`` as a policy of ``kind`` reported as ``source_id``/``source_type``.

    Raises:
        PolicyError: if ``text`` is not a valid policy of ``kind``.
    """
    compiled = compile_policy(text, kind, PolicySource(source_id, source_type))
    return SimPolicy(source_id, source_type, text, compiled)


@dataclass(frozen=True)
class Scenario:
    """Everything one simulation evaluates.

    Attributes:
        caller: the simulated caller (``CallerArn`` or the policy source).
        identity: identity-based policies, in the order they are reported.
        boundary: the permissions boundary, or ``None`` when none applies.
        scps: service control policies, one tuple per organization level.
        resource_policy: the ``ResourcePolicy``, if any.
        resource_owner: the ``ResourceOwner`` account, if given.
        context: the request context (lower-cased keys).
    """

    caller: Caller
    identity: tuple[SimPolicy, ...]
    boundary: tuple[SimPolicy, ...] | None = None
    scps: tuple[tuple[SimPolicy, ...], ...] = ()
    resource_policy: SimPolicy | None = None
    resource_owner: str | None = None
    context: ContextValues = field(default_factory=dict)

    def owner(self, resource: str) -> str:
        """The account owning ``resource``: its ARN's, else ResourceOwner, else the caller's."""
        parts = resource.split(":", 5)
        if len(parts) == 6 and parts[4]:
            return parts[4]
        return self.resource_owner or self.caller.account

    def cross_account(self, resource: str) -> bool:
        """Whether a resource-based policy is evaluated for another account's resource."""
        return self.resource_policy is not None and self.owner(resource) != self.caller.account


@dataclass(frozen=True, slots=True)
class _Evaluated:
    resource: str
    decision: Decision
    missing: tuple[str, ...]
    cross_account: bool


class Simulator:
    """Evaluates actions for one :class:`Scenario` (policy groups built once)."""

    def __init__(self, scenario: Scenario) -> None:
        self.scenario = scenario
        s = scenario
        self._texts = {
            id(st.statement): p.text
            for p in (
                *s.identity,
                *(s.boundary or ()),
                *((s.resource_policy,) if s.resource_policy else ()),
            )
            for st in p.compiled.statements
        }
        identity = _group(s.identity)
        boundary = _group(s.boundary) if s.boundary is not None else None
        self._principal = PrincipalPolicies(identity, boundary, None, tuple(map(_group, s.scps)))
        # MissingContextValues leaves out the keys SCPs read: ask once more without them.
        self._no_scps = replace(self._principal, scps=()) if s.scps else None
        self._resource_group = _group((s.resource_policy,)) if s.resource_policy else None

    def _decide(self, action: str, resource: str) -> _Evaluated:
        s = self.scenario
        resources = (
            ResourcePolicies(account=s.owner(resource), policy=self._resource_group)
            if self._resource_group is not None
            else NO_RESOURCE_POLICIES
        )
        decision = authorize(
            s.caller, action, resource, s.context, self._principal, resources, explain=True
        )
        missing = decision.missing_context_keys
        if self._no_scps is not None:
            missing = authorize(
                s.caller, action, resource, s.context, self._no_scps, resources, explain=True
            ).missing_context_keys
        return _Evaluated(resource, decision, missing, s.cross_account(resource))

    def statements(self, decision: Decision) -> list[dict[str, Any]]:
        """``MatchedStatements`` for a decision (SCP statements left out)."""
        out: list[dict[str, Any]] = []
        for st in decision.matched:
            if st.source.policy_type == SCP_SOURCE:
                continue
            out.append(self._statement_shape(st))
        return out

    def _statement_shape(self, st: CompiledStatement) -> dict[str, Any]:
        shape: dict[str, Any] = {
            "SourcePolicyId": st.source.policy_id,
            "SourcePolicyType": st.source.policy_type,
        }
        text = self._texts.get(id(st.statement))
        span = statement_span(text, st.statement.index) if text is not None else None
        if span is not None:
            shape["StartPosition"] = span.start.shape()
            shape["EndPosition"] = span.end.shape()
        return shape

    def evaluate_action(
        self,
        action: str,
        resources: Sequence[str] | None,
        resource_name: Callable[[str, Sequence[str]], str],
    ) -> dict[str, Any]:
        """The ``EvaluationResult`` of ``action`` on ``resources`` (``None``: ``*``).

        ``resource_name(action, resources)`` names the simulated resource type when
        several resources were given.
        """
        results = [self._decide(action, r) for r in (resources or ("*",))]
        worst = max((r.decision.outcome for r in results), key=_SEVERITY.__getitem__)
        matched = _unique(
            st for r in results if r.decision.outcome is worst for st in self.statements(r.decision)
        )
        if resources is None:
            name = "*"
        elif len(resources) == 1:
            name = resources[0]
        else:
            name = resource_name(action, resources)
        out: dict[str, Any] = {
            "EvalActionName": action,
            "EvalResourceName": name,
            "EvalDecision": worst.value,
            "MatchedStatements": matched,
            "MissingContextValues": list(dict.fromkeys(k for r in results for k in r.missing)),
        }
        scp_allowed = True
        if self.scenario.scps:
            scp_allowed = all(
                r.decision.details.get(PolicyType.SCP) is Outcome.ALLOWED for r in results
            )
            out["OrganizationsDecisionDetail"] = {"AllowedByOrganizations": scp_allowed}
        if self.scenario.boundary is not None:
            out["PermissionsBoundaryDecisionDetail"] = _boundary_detail(r.decision for r in results)
        details = self._details(results, resources is not None)
        if details is not None and scp_allowed:
            out["EvalDecisionDetails"] = details
        if resources is not None:
            out["ResourceSpecificResults"] = [self._resource_result(r) for r in results]
        return out

    def _details(self, results: list[_Evaluated], listed: bool) -> dict[str, str] | None:
        """Top-level ``EvalDecisionDetails``: per type, the most restrictive outcome.

        Only cross-account simulations detail the policy types; a same-account one
        shows an empty map when resources were listed and none at all for ``*``.
        """
        crossing = [r for r in results if r.cross_account]
        if not crossing:
            return {} if listed else None
        merged: dict[str, Outcome] = {}
        for r in crossing:
            for key, outcome in _typed_details(r.decision).items():
                if key not in merged or _SEVERITY[outcome] > _SEVERITY[merged[key]]:
                    merged[key] = outcome
        return {key: outcome.value for key, outcome in merged.items()}

    def _resource_result(self, r: _Evaluated) -> dict[str, Any]:
        out: dict[str, Any] = {
            "EvalResourceName": r.resource,
            "EvalResourceDecision": r.decision.outcome.value,
            "MatchedStatements": self.statements(r.decision),
        }
        if r.missing:
            out["MissingContextValues"] = list(r.missing)
        if r.cross_account:
            out["EvalDecisionDetails"] = {k: v.value for k, v in _typed_details(r.decision).items()}
        if self.scenario.boundary is not None:
            out["PermissionsBoundaryDecisionDetail"] = _boundary_detail((r.decision,))
        return out


def _group(policies: Iterable[SimPolicy]) -> PolicyGroup:
    # Not the engine's shared group cache: simulated policies are one-off copies.
    return PolicyGroup.of(p.compiled for p in policies)


def _typed_details(decision: Decision) -> dict[str, Outcome]:
    return {
        _DETAIL_KEYS[kind]: outcome
        for kind, outcome in decision.details.items()
        if kind in _DETAIL_KEYS
    }


def _boundary_detail(decisions: Iterable[Decision]) -> dict[str, bool]:
    allowed = all(d.details.get(PolicyType.BOUNDARY) is Outcome.ALLOWED for d in decisions)
    return {"AllowedByPermissionsBoundary": allowed}


def _unique(statements: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    seen: set[str] = set()
    out: list[dict[str, Any]] = []
    for st in statements:
        key = repr(sorted(st.items()))
        if key not in seen:
            seen.add(key)
            out.append(st)
    return out
