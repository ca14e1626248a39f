"""Assemble the policies that apply to a principal, compiled, from an account view.

Identity-based policies of a user are its inline policies, its attached managed
policies and those of its groups; of a role, its inline and attached policies.
The permissions boundary is the managed policy named by the entity.  Role and
federation sessions add their session policies.  Everything is memoised in the
account view, so it is assembled once per account revision.
"""

from __future__ import annotations

import contextlib
import logging

from sqlalchemy import and_, bindparam, select

from rolecall.auth.principal import Principal, PrincipalKind, SessionKind
from rolecall.policy import (
    CompiledPolicy,
    PolicyError,
    PolicyGroup,
    PolicyKind,
    PolicySource,
    PrincipalPolicies,
    compile_policy,
    policy_group,
)
from rolecall.store import schema as t

from .catalog import Catalog
from .directory import AccountView

log = logging.getLogger(__name__)

EMPTY = policy_group([])
ALLOW_ALL = policy_group(
    [
        compile_policy(
            '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}',
            PolicyKind.IDENTITY,
            PolicySource("root", "none"),
        )
    ]
)


# Built once (see directory.py: building a statement costs more than running it).
_OWNER = and_(
    t.inline_policies.c.principal_type == bindparam("principal_type"),
    t.inline_policies.c.principal_id == bindparam("principal_id"),
)
_INLINE = (
    select(t.inline_policies.c.name, t.inline_policies.c.document)
    .where(_OWNER)
    .order_by(t.inline_policies.c.name_key)
)
_ATTACHED = (
    select(t.attachments.c.policy_arn)
    .where(
        and_(
            t.attachments.c.principal_type == bindparam("principal_type"),
            t.attachments.c.principal_id == bindparam("principal_id"),
        )
    )
    .order_by(t.attachments.c.attached_seq, t.attachments.c.policy_arn)
)
_GROUPS_OF = (
    select(t.group_members.c.group_id)
    .where(t.group_members.c.user_id == bindparam("user_id"))
    .order_by(t.group_members.c.added_seq)
)


def inline_documents(
    view: AccountView, principal_type: str, principal_id: str
) -> tuple[tuple[str, str], ...]:
    """``(name, document)`` of an identity's inline policies, sorted by name."""

    def load() -> tuple[tuple[str, str], ...]:
        with view.store.read() as conn:
            rows = conn.execute(
                _INLINE, {"principal_type": principal_type, "principal_id": principal_id}
            )
            return tuple((r.name, r.document) for r in rows)

    return view.memo(("inline", principal_type, principal_id), load)


def attached_arns(view: AccountView, principal_type: str, principal_id: str) -> tuple[str, ...]:
    """ARNs of the managed policies attached to an identity, in attachment order."""

    def load() -> tuple[str, ...]:
        with view.store.read() as conn:
            rows = conn.execute(
                _ATTACHED, {"principal_type": principal_type, "principal_id": principal_id}
            )
            return tuple(r.policy_arn for r in rows)

    return view.memo(("attached", principal_type, principal_id), load)


def group_ids_of_user(view: AccountView, user_id: str) -> tuple[str, ...]:
    """Unique ids of the groups a user belongs to."""

    def load() -> tuple[str, ...]:
        with view.store.read() as conn:
            rows = conn.execute(_GROUPS_OF, {"user_id": user_id})
            return tuple(r.group_id for r in rows)

    return view.memo(("groups-of", user_id), load)


def _compile(text: str, source: PolicySource) -> CompiledPolicy | None:
    try:
        return compile_policy(text, PolicyKind.IDENTITY, source)
    except PolicyError as exc:
        # Stored documents were validated when written; one that no longer parses
        # (a rule changed) must not take the server down, and grants nothing.
        log.error("stored policy %s no longer parses: %s", source.policy_id, exc.message)
        return None


def managed(view: AccountView, arn: str) -> CompiledPolicy | None:
    """A managed policy (AWS or customer), compiled, or ``None`` if it does not exist."""
    document = view.policy_document(arn)
    if document is None:
        return None
    kind = "aws-managed" if Catalog.is_aws_arn(arn) else "user-managed"
    return _compile(document, PolicySource(arn, kind))


def identity_policies(
    view: AccountView, principal_type: str, principal_id: str
) -> list[CompiledPolicy]:
    """Inline and attached policies of one identity (user, group or role)."""
    out: list[CompiledPolicy] = []
    for name, document in inline_documents(view, principal_type, principal_id):
        compiled = _compile(document, PolicySource(name, principal_type))
        if compiled is not None:
            out.append(compiled)
    for arn in attached_arns(view, principal_type, principal_id):
        compiled = managed(view, arn)
        if compiled is not None:
            out.append(compiled)
    return out


def boundary_group(view: AccountView, arn: str | None) -> PolicyGroup | None:
    """The permissions boundary as a group (empty if its policy vanished), or None."""
    if arn is None:
        return None
    compiled = managed(view, arn)
    return policy_group([compiled] if compiled is not None else [])


def user_policies(view: AccountView, user_id: str) -> tuple[PolicyGroup, PolicyGroup | None]:
    """(identity policies, boundary) of a user, memoised."""

    def load() -> tuple[PolicyGroup, PolicyGroup | None]:
        user = view.user_by_id(user_id)
        if user is None:
            return EMPTY, None
        policies = identity_policies(view, "user", user_id)
        for group_id in group_ids_of_user(view, user_id):
            policies.extend(identity_policies(view, "group", group_id))
        return policy_group(policies), boundary_group(view, user.permissions_boundary)

    return view.memo(("user-policies", user_id), load)


def role_policies(view: AccountView, role_id: str) -> tuple[PolicyGroup, PolicyGroup | None] | None:
    """(identity policies, boundary) of a role, or ``None`` if the role is gone."""

    def load() -> tuple[PolicyGroup, PolicyGroup | None] | None:
        role = view.role_by_id(role_id)
        if role is None:
            return None
        return policy_group(identity_policies(view, "role", role_id)), boundary_group(
            view, role.permissions_boundary
        )

    return view.memo(("role-policies", role_id), load)


def session_group(
    view: AccountView, policy: str | None, policy_arns: tuple[str, ...]
) -> PolicyGroup:
    """The session policies of a session, compiled."""
    compiled: list[CompiledPolicy] = []
    if policy is not None:
        # Validated by STS when the session was made; a document that no longer
        # parses grants nothing.
        with contextlib.suppress(PolicyError):
            compiled.append(
                compile_policy(policy, PolicyKind.SESSION, PolicySource("session", "none"))
            )
    for arn in policy_arns:
        found = managed(view, arn)
        if found is not None:
            compiled.append(found)
    return policy_group(compiled)


def principal_policies(view: AccountView, principal: Principal) -> PrincipalPolicies:
    """Everything that applies to ``principal`` because of who it is."""
    session = principal.session
    if principal.kind is PrincipalKind.ROOT:
        return PrincipalPolicies(EMPTY)
    if principal.kind is PrincipalKind.USER:
        assert principal.user_id is not None
        identity, boundary = user_policies(view, principal.user_id)
        return PrincipalPolicies(identity, boundary)
    if principal.kind is PrincipalKind.ASSUMED_ROLE:
        assert principal.role_id is not None and session is not None
        found = role_policies(view, principal.role_id)
        if found is None:
            # The role was deleted: its sessions can do nothing.
            return PrincipalPolicies(EMPTY)
        identity, boundary = found
        sessions = None
        if session.policy is not None or session.policy_arns:
            sessions = view.memo(
                ("session", session.policy, session.policy_arns),
                lambda: session_group(view, session.policy, session.policy_arns),
            )
        return PrincipalPolicies(identity, boundary, sessions)
    # A GetFederationToken session: the user's policies intersected with the
    # session policies, of which there may be none (then it can do nothing).
    assert session is not None and session.kind is SessionKind.FEDERATION
    if session.user_id is None:
        # Made by the root user, who may do anything: the session policies decide.
        identity, boundary = ALLOW_ALL, None
    else:
        identity, boundary = user_policies(view, session.user_id)
    sessions = view.memo(
        ("session", session.policy, session.policy_arns),
        lambda: session_group(view, session.policy, session.policy_arns),
    )
    return PrincipalPolicies(identity, boundary, sessions)
