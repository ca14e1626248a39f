"""The permissions policies of an identity, parsed, with how IAM lists each one.

ListPoliciesGrantingServiceAccess and the access advisor both ask "which of this
identity's permissions policies could reach a service": for a user its own
inline and attached policies and those of its groups; for a group or a role its
own.  Boundaries are not permissions policies and are left out.
"""

from __future__ import annotations

from rolecall.policy import Policy, PolicyError, parse_policy

from .directory import AccountView
from .lookup import identity_by_arn
from .principal_policies import attached_arns, group_ids_of_user, inline_documents
from .simulation_inputs import EntityArn

_ENTITY_TYPES = {"user": "USER", "group": "GROUP", "role": "ROLE"}

#: (PolicyGrantingServiceAccess entry, parsed document)
Listed = tuple[dict[str, str], Policy]


def parsed_policy(text: str) -> Policy | None:
    """A stored document, parsed; ``None`` if it no longer parses (it grants nothing)."""
    try:
        return parse_policy(text)
    except PolicyError:
        return None


def own_policies(view: AccountView, kind: str, entity_id: str, name: str) -> list[Listed]:
    """One identity's inline then attached policies."""
    out: list[Listed] = []
    for policy_name, document in inline_documents(view, kind, entity_id):
        parsed = parsed_policy(document)
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
        managed = parsed_policy(text) if text is not None else None
        if managed is not None:
            entry = {
                "PolicyName": arn.rsplit("/", 1)[-1],
                "PolicyType": "MANAGED",
                "PolicyArn": arn,
            }
            out.append((entry, managed))
    return out


def permissions_policies(view: AccountView, arn: EntityArn) -> list[Listed]:
    """The permissions policies of the user, group or role ``arn`` names (NoSuchEntity)."""
    found = identity_by_arn(view, arn)
    policies = own_policies(view, arn.kind, found.id, found.name)
    if arn.kind == "user":
        for group_id in group_ids_of_user(view, found.id):
            group = view.group_by_id(group_id)
            if group is not None:
                policies.extend(own_policies(view, "group", group.id, group.name))
    return policies
