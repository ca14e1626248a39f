"""ListPoliciesGrantingServiceAccess: which of an identity's policies reach a service.

For a user: its own inline and attached policies, then those of its groups; for
a group or a role: its own.  Permissions boundaries, resource-based policies and
organisation policies are not considered, as AWS documents.  Whether a policy
grants a service is :func:`rolecall.policy.services.grants_service`.  Entries
come in the order the request names the namespaces (each once), paged 100 at a
time by ``Marker``.
"""

from __future__ import annotations

from typing import Any

from rolecall.api.call import Call
from rolecall.api.registry import operation
from rolecall.policy import Policy, PolicyError, parse_policy
from rolecall.policy.services import grants_service

from ..directory import AccountView
from ..lookup import identity_by_arn
from ..paging import page
from ..principal_policies import attached_arns, group_ids_of_user, inline_documents
from ..simulation_inputs import entity_arn

_ENTITY_TYPES = {"user": "USER", "group": "GROUP", "role": "ROLE"}


def _parsed(text: str) -> Policy | None:
    try:
        return parse_policy(text)
    except PolicyError:
        return None  # a stored document that no longer parses grants nothing


def _own_policies(
    view: AccountView, kind: str, entity_id: str, name: str
) -> list[tuple[dict[str, str], Policy]]:
    """(output entry, parsed document) of one identity's inline then attached policies."""
    out: list[tuple[dict[str, str], Policy]] = []
    for policy_name, document in inline_documents(view, kind, entity_id):
        parsed = _parsed(document)
        if parsed is not None:
            entry = {
                "PolicyName": policy_name,
                "PolicyType": "INLINE",
                "EntityType": _ENTITY_TYPES[kind],
                "EntityName": name,
            }
            out.append((entry, parsed))
    for arn in attached_arns(view, kind, entity_id):
        text = view.policy_document(arn)
        managed = _parsed(text) if text is not None else None
        if managed is not None:
            entry = {
                "PolicyName": arn.rsplit("/", 1)[-1],
                "PolicyType": "MANAGED",
                "PolicyArn": arn,
            }
            out.append((entry, managed))
    return out


def _identity_policies(call: Call, arn: str) -> list[tuple[dict[str, str], Policy]]:
    parsed = entity_arn(arn)
    view = call.view
    found = identity_by_arn(view, parsed)
    policies = _own_policies(view, parsed.kind, found.id, found.name)
    if parsed.kind != "user":
        return policies
    for group_id in group_ids_of_user(view, found.id):
        member_of = view.group_by_id(group_id)
        if member_of is not None:
            policies.extend(_own_policies(view, "group", member_of.id, member_of.name))
    return policies


@operation("iam", "ListPoliciesGrantingServiceAccess")
def list_policies_granting_service_access(call: Call) -> dict[str, Any]:
    p = call.params
    policies = _identity_policies(call, p["Arn"])
    namespaces = list(dict.fromkeys(p["ServiceNamespaces"]))
    entries = []
    for position, namespace in enumerate(namespaces):
        granting = [entry for entry, policy in policies if grants_service(policy, namespace)]
        entries.append((f"{position:04d}", {"ServiceNamespace": namespace, "Policies": granting}))
    chunk, extra = page(entries, p, lambda item: (item[0],))
    return {"PoliciesGrantingServiceAccess": [entry for _, entry in chunk], **extra}
