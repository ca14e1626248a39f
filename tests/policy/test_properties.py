"""Properties of the decision logic that hold for every policy set.

- an explicit Deny can only take permissions away
  (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic_AccessPolicyLanguage_Interplay.html);
- the order of statements and of policies does not matter ("AWS applies a logical OR
  across the statements", "... across all of those policies",
  https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies.html#policies-introduction);
- a permissions boundary or session policy that allows everything limits nothing
  (they only ever intersect: access_policies_boundaries.html,
  access_policies.html#policies_session).
"""

from __future__ import annotations

import copy
import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rolecall.policy import Outcome

from .strategies import FULL_ACCESS, Scenario, scenarios, statement
from .test_differential import engine

SETTINGS = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def summary(s: Scenario) -> tuple[Outcome, object]:
    d = engine(s)
    return d.outcome, d.decided_by


def with_extra_deny(s: Scenario, where: str, deny: dict[str, Any]) -> Scenario:
    out = copy.deepcopy(s)
    p = out.policies
    body = json.dumps({"Version": "2012-10-17", "Statement": [deny]})
    if where == "identity":
        p.identity = [*p.identity, body]
    elif where == "boundary":
        p.boundary = [*(p.boundary or []), body]
    elif where == "session":
        p.session = [*(p.session or []), body]
    elif where == "scp":
        p.scps = [[*level, body] for level in p.scps] or [[FULL_ACCESS, body]]
    elif where == "resource":
        doc = (
            json.loads(p.resource_policy)
            if p.resource_policy
            else {"Version": "2012-10-17", "Statement": []}
        )
        sts = doc["Statement"] if isinstance(doc["Statement"], list) else [doc["Statement"]]
        doc["Statement"] = [*sts, deny]
        p.resource_policy = json.dumps(doc)
    return out


@SETTINGS
@given(
    scenarios(),
    st.sampled_from(["identity", "boundary", "session", "scp", "resource"]),
    st.data(),
)
def test_adding_a_deny_never_allows(s: Scenario, where: str, data: st.DataObject) -> None:
    principal = "any" if where == "resource" else None
    deny = data.draw(statement(principal=principal, effect="Deny"))
    before = summary(s)
    after = summary(with_extra_deny(s, where, deny))
    if before[0] is not Outcome.ALLOWED:
        assert after[0] is not Outcome.ALLOWED
    if before[0] is Outcome.EXPLICIT_DENY:
        assert after[0] is Outcome.EXPLICIT_DENY


def shuffled(s: Scenario, rnd: Any) -> Scenario:
    out = copy.deepcopy(s)
    p = out.policies

    def shuffle_doc(text: str) -> str:
        doc = json.loads(text)
        if isinstance(doc["Statement"], list):
            rnd.shuffle(doc["Statement"])
        return json.dumps(doc)

    def shuffle_group(texts: list[str]) -> list[str]:
        docs = [shuffle_doc(t) for t in texts]
        rnd.shuffle(docs)
        return docs

    p.identity = shuffle_group(p.identity)
    p.boundary = None if p.boundary is None else shuffle_group(p.boundary)
    p.session = None if p.session is None else shuffle_group(p.session)
    p.scps = [shuffle_group(level) for level in p.scps]
    rnd.shuffle(p.scps)
    p.rcps = [shuffle_group(level) for level in p.rcps]
    rnd.shuffle(p.rcps)
    p.resource_policy = None if p.resource_policy is None else shuffle_doc(p.resource_policy)
    return out


@SETTINGS
@given(scenarios(), st.randoms(use_true_random=False))
def test_order_of_statements_and_policies_does_not_matter(s: Scenario, rnd: Any) -> None:
    assert summary(shuffled(s, rnd)) == summary(s)


@SETTINGS
@given(scenarios())
def test_allow_all_boundary_changes_nothing(s: Scenario) -> None:
    if s.policies.boundary is not None:
        return
    # The caller is left as it is: AWS's NotPrincipal quirk depends on whether a boundary is
    # *attached*, which is the one documented way a boundary changes a resource policy's
    # effect (tested in test_evaluation).
    bounded = copy.deepcopy(s)
    bounded.policies.boundary = [FULL_ACCESS]
    assert summary(bounded) == summary(s)


@SETTINGS
@given(scenarios())
def test_allow_all_session_policy_changes_nothing(s: Scenario) -> None:
    if s.policies.session is not None:
        return
    limited = copy.deepcopy(s)
    limited.policies.session = [FULL_ACCESS]
    assert summary(limited) == summary(s)


@SETTINGS
@given(scenarios())
def test_explicit_deny_is_never_allowed_by_anything_added(s: Scenario) -> None:
    # Allow-all everywhere (identity, boundary, session, SCP, RCP, resource) cannot undo an
    # explicit deny.
    if summary(s)[0] is not Outcome.EXPLICIT_DENY:
        return
    more = copy.deepcopy(s)
    p = more.policies
    p.identity = [*p.identity, FULL_ACCESS]
    if p.boundary is not None:
        p.boundary = [*p.boundary, FULL_ACCESS]
    if p.session is not None:
        p.session = [*p.session, FULL_ACCESS]
    p.scps = [[*level, FULL_ACCESS] for level in p.scps]
    assert summary(more)[0] is Outcome.EXPLICIT_DENY
