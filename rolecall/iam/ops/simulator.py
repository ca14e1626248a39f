"""The IAM policy simulator: SimulatePrincipalPolicy, SimulateCustomPolicy and GetContextKeys*.

The simulator does not look at the real request context: only what the request
supplies (``ContextEntries``) is known, and keys the policies read but were not
supplied come back as ``MissingContextValues``.  Decisions are the policy
engine's, in explain mode (:mod:`rolecall.iam.simulation`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from rolecall.api.call import Call
from rolecall.api.registry import operation
from rolecall.policy import Caller, CallerKind, Policy, PolicyError, PolicyKind
from rolecall.protocol.errors import AWSError, InvalidInput, MalformedPolicyDocument
from rolecall.store import schema as t

from ..action_resources import resource_template
from ..catalog import Catalog
from ..directory import AccountView
from ..documents import as_aws_error, check_document
from ..lookup import identity_by_arn
from ..paging import DEFAULT_MAX_ITEMS, decode_marker, encode_marker
from ..principal_policies import attached_arns, group_ids_of_user, inline_documents
from ..records import GroupRecord
from ..simulation import (
    BOUNDARY_SOURCE,
    IDENTITY_SOURCE,
    RESOURCE_SOURCE,
    SCP_SOURCE,
    Scenario,
    SimPolicy,
    Simulator,
    sim_policy,
)
from ..simulation_inputs import (
    AWS_MANAGED,
    BOUNDARY,
    INLINE,
    USER_MANAGED,
    EntityArn,
    Exclusion,
    PolicyFacts,
    action_names,
    context_key_names,
    context_values,
    entity_arn,
    excluded,
    exclusions,
    resource_arns,
    resource_owner,
)

_CALLER_MUST_BE_USER = "Invalid caller - Caller must be an IAM user in this context."


# -- input documents -------------------------------------------------------------------


def _input_policy(text: str, kind: PolicyKind, source_id: str, source_type: str) -> SimPolicy:
    check_document(text, kind)
    try:
        return sim_policy(text, kind, source_id, source_type)
    except PolicyError as exc:  # pragma: no cover - check_document raised already
        raise as_aws_error(exc) from None


def _input_list(texts: Sequence[str] | None, name: str, kind: PolicyKind) -> list[SimPolicy]:
    source = IDENTITY_SOURCE if kind is PolicyKind.IDENTITY else BOUNDARY_SOURCE
    return [
        _input_policy(text, kind, f"{name}.{i}", source) for i, text in enumerate(texts or (), 1)
    ]


def _boundary_input(texts: Sequence[str] | None) -> tuple[SimPolicy, ...] | None:
    if not texts:
        return None
    if len(texts) > 1:
        raise InvalidInput("Only one permissions boundary policy may be simulated.")
    return tuple(_input_list(texts, "PermissionsBoundaryPolicyInputList", PolicyKind.BOUNDARY))


def _scps(levels: Sequence[Mapping[str, Any]] | None) -> tuple[tuple[SimPolicy, ...], ...]:
    out: list[tuple[SimPolicy, ...]] = []
    for n, level in enumerate(levels or (), 1):
        texts = level.get("ServiceControlPolicyInputList") or ()
        out.append(
            tuple(
                _input_policy(
                    text,
                    PolicyKind.SCP,
                    f"OrderedOrganizationPolicyInputList.{n}.ServiceControlPolicyInputList.{i}",
                    SCP_SOURCE,
                )
                for i, text in enumerate(texts, 1)
            )
        )
    return tuple(out)


# -- the policies of a stored principal ------------------------------------------------


@dataclass(frozen=True)
class _Source:
    """The user, group or role a ``PolicySourceArn`` names."""

    arn: EntityArn
    entity_id: str
    boundary_arn: str | None


def _source(call: Call, arn: str) -> _Source:
    parsed = entity_arn(arn)
    found = identity_by_arn(call.view, parsed)
    boundary = None if isinstance(found, GroupRecord) else found.permissions_boundary
    return _Source(parsed, found.id, boundary)


def _managed(view: AccountView, arn: str, source_type: str) -> SimPolicy | None:
    document = view.policy_document(arn)
    if document is None:
        return None
    try:
        return sim_policy(document, PolicyKind.IDENTITY, arn.rsplit("/", 1)[-1], source_type)
    except PolicyError:
        return None  # a stored document that no longer parses grants nothing


def _entity_policies(
    view: AccountView, kind: str, entity_id: str, entity_name: str
) -> list[tuple[SimPolicy, PolicyFacts]]:
    """Inline then attached policies of one user, group or role."""
    out: list[tuple[SimPolicy, PolicyFacts]] = []
    for name, document in inline_documents(view, kind, entity_id):
        try:
            policy = sim_policy(document, PolicyKind.IDENTITY, name, IDENTITY_SOURCE)
        except PolicyError:
            continue
        out.append((policy, PolicyFacts(INLINE, None, kind, entity_name, name)))
    for arn in attached_arns(view, kind, entity_id):
        managed = _managed(view, arn, IDENTITY_SOURCE)
        if managed is not None:
            category = AWS_MANAGED if Catalog.is_aws_arn(arn) else USER_MANAGED
            out.append((managed, PolicyFacts(category, arn)))
    return out


def _group_names(view: AccountView, group_ids: Sequence[str]) -> dict[str, str]:
    if not group_ids:
        return {}
    rows = view.with_connection(
        lambda conn: conn.execute(
            select(t.groups.c.id, t.groups.c.name).where(t.groups.c.id.in_(list(group_ids)))
        ).all()
    )
    return {r.id: r.name for r in rows}


def _identity_of(view: AccountView, source: _Source, rules: Sequence[Exclusion]) -> list[SimPolicy]:
    kind, entity_id = source.arn.kind, source.entity_id
    found = _entity_policies(view, kind, entity_id, source.arn.name)
    if kind == "user":
        group_ids = group_ids_of_user(view, entity_id)
        names = _group_names(view, group_ids)
        for group_id in group_ids:
            found.extend(_entity_policies(view, "group", group_id, names.get(group_id, "")))
    return [policy for policy, facts in found if not excluded(facts, rules)]


def _stored_boundary(
    view: AccountView, source: _Source, rules: Sequence[Exclusion]
) -> tuple[SimPolicy, ...] | None:
    arn = source.boundary_arn
    if arn is None or excluded(PolicyFacts(BOUNDARY, arn), rules):
        return None
    policy = _managed(view, arn, BOUNDARY_SOURCE)
    # A boundary whose policy vanished still bounds: it allows nothing.
    return (policy,) if policy is not None else ()


# -- callers and the resource side -----------------------------------------------------


def _caller(call: Call, arn: str | None, *, has_boundary: bool) -> Caller:
    """The simulated caller: an IAM user, group or role ARN, or the requester."""
    if arn is None:
        principal = call.principal
        return Caller(CallerKind.USER, principal.arn, principal.account_id)
    parsed = entity_arn(arn)
    unique_id = None
    if parsed.kind == "user" and parsed.account == call.account_id:
        user = call.view.user(parsed.name)
        unique_id = user.id if user is not None else None
    return Caller(
        CallerKind.USER, parsed.arn, parsed.account, unique_id=unique_id, has_boundary=has_boundary
    )


def _resource_policy(params: Mapping[str, Any], caller_arn: str | None) -> SimPolicy | None:
    text = params.get("ResourcePolicy")
    if text is None:
        return None
    if caller_arn is None or entity_arn(caller_arn).kind != "user":
        raise InvalidInput(_CALLER_MUST_BE_USER)
    return _input_policy(text, PolicyKind.RESOURCE, "ResourcePolicy", RESOURCE_SOURCE)


# -- running the simulation ------------------------------------------------------------


def _page_bounds(count: int, params: Mapping[str, Any]) -> tuple[int, int]:
    start = 0
    marker = params.get("Marker")
    if marker:
        key = decode_marker(marker)
        if len(key) != 1 or not key[0].isdigit() or int(key[0]) > count:
            raise InvalidInput("Invalid Marker.")
        start = int(key[0])
    return start, min(count, start + (params.get("MaxItems") or DEFAULT_MAX_ITEMS))


def _run(scenario: Scenario, params: Mapping[str, Any]) -> dict[str, Any]:
    actions = action_names(params["ActionNames"])
    resources = resource_arns(params.get("ResourceArns"))
    start, end = _page_bounds(len(actions), params)
    simulator = Simulator(scenario)
    results = [
        simulator.evaluate_action(action, resources, resource_template)
        for action in actions[start:end]
    ]
    out: dict[str, Any] = {"EvaluationResults": results, "IsTruncated": end < len(actions)}
    if end < len(actions):
        out["Marker"] = encode_marker([str(end)])
    return out


@operation("iam", "SimulateCustomPolicy")
def simulate_custom_policy(call: Call) -> dict[str, Any]:
    p = call.params
    identity = tuple(_input_list(p["PolicyInputList"], "PolicyInputList", PolicyKind.IDENTITY))
    boundary = _boundary_input(p.get("PermissionsBoundaryPolicyInputList"))
    scps = _scps(p.get("OrderedOrganizationPolicyInputList"))
    caller_arn: str | None = p.get("CallerArn")
    resource_policy = _resource_policy(p, caller_arn)
    scenario = Scenario(
        caller=_caller(call, caller_arn, has_boundary=boundary is not None),
        identity=identity,
        boundary=boundary,
        scps=scps,
        resource_policy=resource_policy,
        resource_owner=resource_owner(p.get("ResourceOwner")),
        context=context_values(p.get("ContextEntries")),
    )
    return _run(scenario, p)


@operation("iam", "SimulatePrincipalPolicy")
def simulate_principal_policy(call: Call) -> dict[str, Any]:
    p = call.params
    source = _source(call, p["PolicySourceArn"])
    rules = exclusions(p.get("PolicyExclusionList"))
    identity = _identity_of(call.view, source, rules)
    identity.extend(_input_list(p.get("PolicyInputList"), "PolicyInputList", PolicyKind.IDENTITY))
    boundary = _boundary_input(p.get("PermissionsBoundaryPolicyInputList"))
    if boundary is None:
        boundary = _stored_boundary(call.view, source, rules)
    caller_arn: str = p.get("CallerArn") or source.arn.arn
    resource_policy = _resource_policy(p, caller_arn)
    scenario = Scenario(
        caller=_caller(call, caller_arn, has_boundary=boundary is not None),
        identity=tuple(identity),
        boundary=boundary,
        resource_policy=resource_policy,
        resource_owner=resource_owner(p.get("ResourceOwner")),
        context=context_values(p.get("ContextEntries")),
    )
    return _run(scenario, p)


# -- context keys ----------------------------------------------------------------------


def _any_policy(text: str) -> Policy:
    """An input document of GetContextKeys*: an identity-based or resource-based policy."""
    try:
        return check_document(text, PolicyKind.IDENTITY)
    except MalformedPolicyDocument as first:
        try:
            return check_document(text, PolicyKind.RESOURCE)
        except AWSError:
            raise first from None


@operation("iam", "GetContextKeysForCustomPolicy")
def get_context_keys_for_custom_policy(call: Call) -> dict[str, Any]:
    policies = [_any_policy(text) for text in call.params["PolicyInputList"]]
    return {"ContextKeyNames": context_key_names(policies)}


@operation("iam", "GetContextKeysForPrincipalPolicy")
def get_context_keys_for_principal_policy(call: Call) -> dict[str, Any]:
    p = call.params
    source = _source(call, p["PolicySourceArn"])
    policies = [sp.compiled.policy for sp in _identity_of(call.view, source, ())]
    policies.extend(_any_policy(text) for text in p.get("PolicyInputList") or ())
    return {"ContextKeyNames": context_key_names(policies)}
