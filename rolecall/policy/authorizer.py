"""AWS's complete policy evaluation logic.

Given who is asking (:class:`~rolecall.policy.context.Caller`), what for (action,
resource, request context) and the compiled policies that apply, decide as AWS
documents in "Policy evaluation logic":

1. An explicit ``Deny`` in any applicable policy — SCP, RCP, identity-based,
   resource-based, permissions boundary, session policy — wins.
2. Every level of SCPs (caller's side) and RCPs (resource's side) must allow.
3. Within one account, a resource-based policy that names the caller's user or
   session ARN (or ``"*"``) allows on its own; one that names the role behind the
   session (or the user behind a federated session) allows only if the boundary
   and session policies also allow; one that names the account delegates to the
   identity-based policies.  Otherwise identity-based policies must allow, and
   so must the permissions boundary and the session policies when present.
4. Across accounts, both the caller's side (identity, boundary, session) and the
   resource-based policy must allow.
5. An account's root user has every permission an identity-based policy could
   grant (SCPs and, across accounts, the resource-based policy still apply).

The hot path evaluates each policy group once, visiting only the statements
indexed under the action, and allocates nothing beyond the result.  Explain mode
(the policy simulator, CLI) records which statements matched and which context
keys were missing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from .compiler import CompiledStatement, PolicyGroup
from .context import Caller, CallerKind, RequestContext
from .decision import Decision, Outcome, PolicyType
from .plan import ALLOW, DENY, NONE
from .principals import PrincipalMatch
from .variables import ContextValues

_NONE, _ALLOW, _DENY = NONE, ALLOW, DENY
_ALLOWED = Decision(Outcome.ALLOWED)
# Refusals carry no per-request data on the hot path, so one instance of each is enough.
_EXPLICIT = {t: Decision(Outcome.EXPLICIT_DENY, t) for t in PolicyType}
_IMPLICIT = {t: Decision(Outcome.IMPLICIT_DENY, t) for t in PolicyType}
_RESULT_OUTCOME = {
    _NONE: Outcome.IMPLICIT_DENY,
    _ALLOW: Outcome.ALLOWED,
    _DENY: Outcome.EXPLICIT_DENY,
}


@dataclass(frozen=True, slots=True)
class PrincipalPolicies:
    """The policies that apply because of *who* is asking.

    Attributes:
        identity: identity-based policies (inline, managed, group policies).
        boundary: the permissions boundary, or ``None`` when there is none.
        session: session policies, or ``None`` when the session has none (an
            empty group means "session policies were required but none allow",
            as for a GetFederationToken session created without policies).
        scps: one group per level of the organization hierarchy (root, OUs,
            account); empty when the account is not governed by SCPs.
    """

    identity: PolicyGroup
    boundary: PolicyGroup | None = None
    session: PolicyGroup | None = None
    scps: tuple[PolicyGroup, ...] = ()


@dataclass(frozen=True, slots=True)
class ResourcePolicies:
    """The policies that apply because of *what* is asked for.

    Attributes:
        account: the account that owns the resource (``None``: the caller's).
        policy: the resource-based policy (a role's trust policy for AssumeRole).
        rcps: one group per organization level of the owning account.
        required: the resource-based policy must itself allow, even within one
            account.  AWS documents role trust policies (and KMS key policies) as
            such exceptions: an identity-based policy alone never lets anyone
            assume a role.
    """

    account: str | None = None
    policy: PolicyGroup | None = None
    rcps: tuple[PolicyGroup, ...] = ()
    required: bool = False


NO_RESOURCE_POLICIES = ResourcePolicies()


class Authorizer:
    """Makes decisions; stateless apart from the indexes inside each PolicyGroup."""

    def authorize(
        self,
        caller: Caller,
        action: str,
        resource: str,
        context: ContextValues | RequestContext | Mapping[str, tuple[str, ...]],
        principal: PrincipalPolicies,
        resources: ResourcePolicies = NO_RESOURCE_POLICIES,
        *,
        explain: bool = False,
    ) -> Decision:
        """Decide whether ``caller`` may perform ``action`` on ``resource``."""
        return authorize(caller, action, resource, context, principal, resources, explain=explain)


def authorize(
    caller: Caller,
    action: str,
    resource: str,
    context: ContextValues | RequestContext | Mapping[str, tuple[str, ...]],
    principal: PrincipalPolicies,
    resources: ResourcePolicies = NO_RESOURCE_POLICIES,
    *,
    explain: bool = False,
) -> Decision:
    """Decide whether ``caller`` may perform ``action`` on ``resource``.

    ``context`` maps lower-cased condition keys to tuples of string values (a
    :class:`RequestContext` is accepted too).
    """
    if type(context) is dict:
        values: ContextValues = context
    elif isinstance(context, RequestContext):
        values = context.values
    else:
        values = {k.lower(): v for k, v in context.items()}
    action_lc = action.lower()
    if explain:
        return _Explainer(caller, action_lc, resource, values).decide(principal, resources)

    # -- hot path -------------------------------------------------------------------
    if caller.kind is CallerKind.ROOT:
        # The root user has every permission an identity-based policy could grant;
        # across accounts the resource-based policy must still allow (see _combine).
        identity = _ALLOW
    else:
        identity = _evaluate(principal.identity, action_lc, resource, values)
        if identity == _DENY:
            return _EXPLICIT[PolicyType.IDENTITY]
    if (
        not principal.scps
        and principal.boundary is None
        and principal.session is None
        and (
            resources is NO_RESOURCE_POLICIES
            or (
                resources.policy is None
                and not resources.rcps
                and not resources.required
                and (resources.account is None or resources.account == caller.account)
            )
        )
    ):
        # Only identity-based policies apply: the answer is already known.
        return _ALLOWED if identity == _ALLOW else _IMPLICIT[PolicyType.IDENTITY]
    scp = _levels(principal.scps, action_lc, resource, values)
    if scp == _DENY:
        return _EXPLICIT[PolicyType.SCP]
    rcp = _levels(resources.rcps, action_lc, resource, values)
    if rcp == _DENY:
        return _EXPLICIT[PolicyType.RCP]
    strength = PrincipalMatch.NONE
    res = _NONE
    if resources.policy is not None:
        res, strength = _evaluate_resource(resources.policy, action_lc, resource, values, caller)
        if res == _DENY:
            return _EXPLICIT[PolicyType.RESOURCE]
    boundary = (
        _evaluate(principal.boundary, action_lc, resource, values)
        if principal.boundary is not None
        else None
    )
    if boundary == _DENY:
        return _EXPLICIT[PolicyType.BOUNDARY]
    session = (
        _evaluate(principal.session, action_lc, resource, values)
        if principal.session is not None
        else None
    )
    if session == _DENY:
        return _EXPLICIT[PolicyType.SESSION]
    return _combine(caller, resources, scp, rcp, identity, res, strength, boundary, session)


def _combine(
    caller: Caller,
    resources: ResourcePolicies,
    scp: int | None,
    rcp: int | None,
    identity: int,
    res: int,
    strength: PrincipalMatch,
    boundary: int | None,
    session: int | None,
) -> Decision:
    """Steps 2–4 of the evaluation logic, once no explicit deny was found."""
    if scp == _NONE:
        return _IMPLICIT[PolicyType.SCP]
    if rcp == _NONE:
        return _IMPLICIT[PolicyType.RCP]
    boundary_ok = boundary is None or boundary == _ALLOW
    session_ok = session is None or session == _ALLOW
    if resources.required and res != _ALLOW:
        return _IMPLICIT[PolicyType.RESOURCE]
    if _same_account(caller, resources):
        if res == _ALLOW:
            if strength == PrincipalMatch.DIRECT:
                return _ALLOWED
            if strength == PrincipalMatch.IDENTITY and boundary_ok and session_ok:
                return _ALLOWED
        if identity == _ALLOW and boundary_ok and session_ok:
            return _ALLOWED
        return _IMPLICIT[_missing_side(identity, boundary_ok, session_ok, res, strength)]
    # Across accounts both sides must allow; a grant to the role in the resource
    # policy does not stand in for the caller's own identity-based policies.
    if identity == _ALLOW and boundary_ok and session_ok:
        if res == _ALLOW:
            return _ALLOWED
        return _IMPLICIT[PolicyType.RESOURCE]
    return _IMPLICIT[_missing_side(identity, boundary_ok, session_ok, _NONE, strength)]


def _missing_side(
    identity: int, boundary_ok: bool, session_ok: bool, res: int, strength: PrincipalMatch
) -> PolicyType:
    if identity != _ALLOW:
        # A resource policy that named the role but was cut by a boundary/session
        # policy is better explained by what cut it.
        if res == _ALLOW and strength == PrincipalMatch.IDENTITY:
            return PolicyType.BOUNDARY if not boundary_ok else PolicyType.SESSION
        return PolicyType.IDENTITY
    return PolicyType.BOUNDARY if not boundary_ok else PolicyType.SESSION


def _same_account(caller: Caller, resources: ResourcePolicies) -> bool:
    if resources.account is None or resources.account == caller.account:
        return True
    # Services and anonymous callers have no identity-based policies of their own:
    # only the resource-based policy can grant them anything.
    return caller.kind in (CallerKind.SERVICE, CallerKind.ANONYMOUS)


def _levels(
    levels: tuple[PolicyGroup, ...], action: str, resource: str, values: ContextValues
) -> int | None:
    if not levels:
        return None
    result = _ALLOW
    for group in levels:
        r = _evaluate(group, action, resource, values)
        if r == _DENY:
            return _DENY
        if r == _NONE:
            result = _NONE
    return result


def _evaluate(group: PolicyGroup, action: str, resource: str, values: ContextValues) -> int:
    # The hot path of every decision: two dictionary lookups in the common case.
    plan = group.plan(action)
    memo = plan.memo
    if memo is None:
        return _NONE
    key = resource if not plan.keys else plan.key(resource, values)
    found = memo.get(key)
    if found is None:
        found = plan.resolve(key, resource, values)
    if isinstance(found, int):
        return found
    deny_checks, allow_hit, allow_checks = found
    for check in deny_checks:
        if check(values):
            return _DENY
    if allow_hit:
        return _ALLOW
    for check in allow_checks:
        if check(values):
            return _ALLOW
    return _NONE


def _evaluate_resource(
    group: PolicyGroup, action: str, resource: str, values: ContextValues, caller: Caller
) -> tuple[int, PrincipalMatch]:
    denies, allows = group.candidates(action)
    for st in denies:
        if (
            st.principal is not None
            and st.principal.applies(caller, deny=True)
            and st.test(resource, values)
        ):
            return _DENY, PrincipalMatch.NONE
    best = PrincipalMatch.NONE
    for st in allows:
        if st.principal is None:
            continue
        strength = st.principal.applies(caller, deny=False)
        if strength > best and st.test(resource, values):
            best = strength
            if best == PrincipalMatch.DIRECT:
                break
    return (_ALLOW if best else _NONE), best


class _Explainer:
    """The slow path: the same decision, with matched statements and missing keys."""

    def __init__(self, caller: Caller, action: str, resource: str, values: ContextValues) -> None:
        self.caller = caller
        self.action = action
        self.resource = resource
        self.values = values
        self.matched: dict[PolicyType, list[CompiledStatement]] = {}
        self.missing: dict[str, str] = {}

    def decide(self, principal: PrincipalPolicies, resources: ResourcePolicies) -> Decision:
        caller = self.caller
        scp = self._levels(principal.scps, PolicyType.SCP)
        rcp = self._levels(resources.rcps, PolicyType.RCP)
        if caller.is_root:
            identity = _ALLOW
        else:
            identity = self._group(principal.identity, PolicyType.IDENTITY)
        res, strength = _NONE, PrincipalMatch.NONE
        if resources.policy is not None:
            res, strength = self._resource(resources.policy)
        boundary = (
            self._group(principal.boundary, PolicyType.BOUNDARY)
            if principal.boundary is not None
            else None
        )
        session = (
            self._group(principal.session, PolicyType.SESSION)
            if principal.session is not None
            else None
        )
        details: dict[PolicyType, Outcome] = {PolicyType.IDENTITY: _RESULT_OUTCOME[identity]}
        for kind, r in (
            (PolicyType.SCP, scp),
            (PolicyType.RCP, rcp),
            (PolicyType.RESOURCE, res if resources.policy is not None else None),
            (PolicyType.BOUNDARY, boundary),
            (PolicyType.SESSION, session),
        ):
            if r is not None:
                details[kind] = _RESULT_OUTCOME[r]
        for kind, r in (  # the order in which the hot path reports explicit denies
            (PolicyType.IDENTITY, identity),
            (PolicyType.SCP, scp),
            (PolicyType.RCP, rcp),
            (PolicyType.RESOURCE, res),
            (PolicyType.BOUNDARY, boundary),
            (PolicyType.SESSION, session),
        ):
            if r == _DENY:
                return self._decision(Outcome.EXPLICIT_DENY, kind, details, deny=True)
        base = _combine(caller, resources, scp, rcp, identity, res, strength, boundary, session)
        return self._decision(base.outcome, base.decided_by, details, deny=False)

    def _decision(
        self,
        outcome: Outcome,
        kind: PolicyType | None,
        details: dict[PolicyType, Outcome],
        *,
        deny: bool,
    ) -> Decision:
        matched = (
            tuple(st for sts in self.matched.values() for st in sts if st.allow != deny)
            if outcome is not Outcome.IMPLICIT_DENY
            else ()
        )
        return Decision(outcome, kind, matched, tuple(self.missing.values()), details)

    def _note(self, kind: PolicyType, st: CompiledStatement) -> bool:
        """Test one statement, recording a match and any missing context keys."""
        if not st.matches_resource(self.resource, self.values):
            # A Resource element whose policy variables have no value matches nothing;
            # those keys are exactly what the person asking needs to hear about.
            for name in st.resources.keys if st.resources is not None else ():
                if name.lower() not in self.values:
                    self.missing.setdefault(name.lower(), name)
            return False
        for name in st.context_keys:
            if name.lower() not in self.values:
                self.missing.setdefault(name.lower(), name)
        if st.condition is not None and not st.condition.check(self.values):
            return False
        self.matched.setdefault(kind, []).append(st)
        return True

    def _group(self, group: PolicyGroup, kind: PolicyType) -> int:
        denies, allows = group.candidates(self.action)
        result = _NONE
        for st in denies:
            if self._note(kind, st):
                result = _DENY
        for st in allows:
            if self._note(kind, st) and result == _NONE:
                result = _ALLOW
        return result

    def _levels(self, levels: tuple[PolicyGroup, ...], kind: PolicyType) -> int | None:
        if not levels:
            return None
        results = [self._group(g, kind) for g in levels]
        if _DENY in results:
            return _DENY
        return _NONE if _NONE in results else _ALLOW

    def _resource(self, group: PolicyGroup) -> tuple[int, PrincipalMatch]:
        denies, allows = group.candidates(self.action)
        result, best = _NONE, PrincipalMatch.NONE
        for st in denies:
            applies = st.principal is not None and st.principal.applies(self.caller, deny=True)
            if applies and self._note(PolicyType.RESOURCE, st):
                result = _DENY
        for st in allows:
            if st.principal is None:
                continue
            strength = st.principal.applies(self.caller, deny=False)
            if strength and self._note(PolicyType.RESOURCE, st):
                best = max(best, strength)
        if result == _DENY:
            return _DENY, PrincipalMatch.NONE
        return (_ALLOW if best else _NONE), best
