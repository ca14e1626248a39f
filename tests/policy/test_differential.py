"""The compiled engine against the naive reference evaluator, on generated policy sets.

Every generated scenario (identity policies, boundary, session policies, SCP and
RCP levels, a resource-based policy, same- or cross-account, with conditions,
variables, NotPrincipal ...) must get the same decision from both: allowed or not,
explicit or implicit, and the same policy type named for a refusal.  Explain mode
must agree too.  The reference shares no code with the engine, so agreement here
is what holds the optimised engine (merged patterns, per-action plans, memos)
honest.
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rolecall.policy import (
    Decision,
    PolicyKind,
    PrincipalPolicies,
    RequestContext,
    ResourcePolicies,
    authorize,
    compile_policy,
    policy_group,
)

from .reference import Policies, evaluate
from .strategies import ACTIONS, RESOURCES, Scenario, context, scenarios

SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def engine(
    s: Scenario, *, explain: bool = False, action: str | None = None, resource: str | None = None
) -> Decision:
    p = s.policies
    principal = PrincipalPolicies(
        policy_group(compile_policy(t, PolicyKind.IDENTITY) for t in p.identity),
        None
        if p.boundary is None
        else policy_group(compile_policy(t, PolicyKind.BOUNDARY) for t in p.boundary),
        None
        if p.session is None
        else policy_group(compile_policy(t, PolicyKind.SESSION) for t in p.session),
        tuple(policy_group(compile_policy(t, PolicyKind.SCP) for t in level) for level in p.scps),
    )
    resources = ResourcePolicies(
        p.resource_account,
        None
        if p.resource_policy is None
        else policy_group([compile_policy(p.resource_policy, PolicyKind.RESOURCE)]),
        tuple(policy_group(compile_policy(t, PolicyKind.RCP) for t in level) for level in p.rcps),
        p.required,
    )
    return authorize(
        s.caller,
        action or s.action,
        resource or s.resource,
        RequestContext.of(s.context),
        principal,
        resources,
        explain=explain,
    )


def reference(
    s: Scenario, action: str | None = None, resource: str | None = None
) -> tuple[object, object]:
    return evaluate(s.caller, action or s.action, resource or s.resource, s.context, s.policies)


def describe(s: Scenario) -> str:
    request = f"{s.caller.kind} {s.caller.arn} {s.action} {s.resource}"
    return f"{request} ctx={s.context} policies={s.policies}"


@SETTINGS
@given(scenarios())
def test_engine_agrees_with_reference(s: Scenario) -> None:
    expected = reference(s)
    fast = engine(s)
    assert (fast.outcome, fast.decided_by) == expected, describe(s)
    slow = engine(s, explain=True)
    assert (slow.outcome, slow.decided_by) == expected, describe(s)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    scenarios(),
    st.lists(
        st.tuples(st.sampled_from(ACTIONS), st.sampled_from(RESOURCES), context()),
        min_size=2,
        max_size=6,
    ),
)
def test_engine_agrees_on_a_stream_of_requests(
    s: Scenario, requests: list[tuple[str, str, dict[str, list[str]]]]
) -> None:
    # The same compiled groups serve many requests: their per-action plans and memos
    # must never carry one request's answer over to another.
    for action, resource, ctx in requests:
        s.context = ctx
        expected = reference(s, action, resource)
        got = engine(s, action=action, resource=resource)
        assert (got.outcome, got.decided_by) == expected, describe(s)


def test_reference_sanity() -> None:
    # The reference itself on a few hand-checked requests, so that agreement means something.
    from rolecall.policy import Caller, CallerKind, Outcome, PolicyType

    alice = Caller(CallerKind.USER, "arn:aws:iam::111122223333:user/alice", "111122223333")
    allow_s3 = (
        '{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*"}}'
    )
    deny_get = '{"Statement":{"Effect":"Deny","Action":"s3:get*","Resource":"arn:aws:s3:::b/*"}}'
    assert evaluate(
        alice, "s3:GetObject", "arn:aws:s3:::b/k", {}, Policies(identity=[allow_s3])
    ) == (Outcome.ALLOWED, None)
    assert evaluate(
        alice, "s3:GetObject", "arn:aws:s3:::b/k", {}, Policies(identity=[allow_s3, deny_get])
    ) == (
        Outcome.EXPLICIT_DENY,
        PolicyType.IDENTITY,
    )
    assert evaluate(alice, "ec2:RunInstances", "*", {}, Policies(identity=[allow_s3])) == (
        Outcome.IMPLICIT_DENY,
        PolicyType.IDENTITY,
    )
    cross = Policies(identity=[allow_s3], resource_account="444455556666")
    assert evaluate(alice, "s3:GetObject", "arn:aws:s3:::b/k", {}, cross) == (
        Outcome.IMPLICIT_DENY,
        PolicyType.RESOURCE,
    )
