"""A cached, always-current read model of accounts.

Every request needs the same few facts — who owns this access key, what are this
principal's policies, what is this role's path — and they change rarely.  The
:class:`Directory` keeps one :class:`AccountView` per account; a view memoises
what it has read and is valid for exactly one revision of its account.  Each
request asks :meth:`Directory.view`, which reads the account's current revision
(one indexed primary-key lookup) and hands back the cached view if it is still
current, or a fresh empty one if anything in the account changed — in this
process or any other sharing the database.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from functools import cache
from typing import Any, TypeVar

from sqlalchemy import Connection, and_, bindparam, select

from rolecall.store import schema as t
from rolecall.store.engine import Store

from .catalog import Catalog
from .records import (
    AccessKeyRecord,
    AccountRecord,
    GroupRecord,
    InstanceProfileRecord,
    ManagedPolicyRecord,
    RoleRecord,
    UserRecord,
    record,
)

T = TypeVar("T")
_MISSING = object()

# Statements are built once and run with bound values: building a SQLAlchemy
# statement and its cache key costs several times what executing it does, and
# a fresh account view (after every write to the account) runs a dozen of them.
_ACCOUNT: Any = bindparam("account_id")


@cache
def by_name_query(table: Any) -> Any:
    """``SELECT`` an entity of ``table`` by ``account_id`` and ``name_key`` (bound values)."""
    return select(table).where(
        and_(table.c.account_id == _ACCOUNT, table.c.name_key == bindparam("name_key"))
    )


@cache
def _by_id_query(table: Any) -> Any:
    return select(table).where(and_(table.c.id == bindparam("id"), table.c.account_id == _ACCOUNT))


_MANAGED_POLICY = select(t.managed_policies).where(
    and_(t.managed_policies.c.arn == bindparam("arn"), t.managed_policies.c.account_id == _ACCOUNT)
)
_POLICY_DOCUMENT = select(t.policy_versions.c.document).where(
    and_(
        t.policy_versions.c.policy_id == bindparam("policy_id"),
        t.policy_versions.c.version_id == bindparam("version_id"),
    )
)
_ACCESS_KEY = _by_id_query(t.access_keys)
_TAGS = (
    select(t.tags.c.key, t.tags.c.value)
    .where(
        and_(
            t.tags.c.resource_type == bindparam("resource_type"),
            t.tags.c.resource_id == bindparam("resource_id"),
        )
    )
    .order_by(t.tags.c.key_id)
)
_ACCOUNT_ROW = select(t.accounts).where(t.accounts.c.id == _ACCOUNT)
_KEY_OWNER = select(t.access_keys.c.account_id).where(t.access_keys.c.id == bindparam("id"))


class AccountView:
    """What one revision of one account looks like, read lazily and memoised."""

    def __init__(self, store: Store, catalog: Catalog, account: AccountRecord) -> None:
        self.store = store
        self.catalog = catalog
        self.account = account
        self.account_id = account.id
        self.revision = account.revision
        self._memo: dict[tuple[Any, ...], Any] = {}
        self._lock = threading.Lock()

    def memo(self, key: tuple[Any, ...], load: Callable[[], T]) -> T:
        """The value cached under ``key`` in this view, computing it once with ``load``."""
        found = self._memo.get(key, _MISSING)
        if found is _MISSING:
            found = load()
            with self._lock:
                self._memo[key] = found
        return found  # type: ignore[no-any-return]

    def _one(self, query: Any, params: dict[str, Any]) -> Any:
        with self.store.read() as conn:
            return conn.execute(query, params).first()

    # -- entities -----------------------------------------------------------------------

    def user(self, name: str) -> UserRecord | None:
        """The user named ``name`` (case-insensitive), if any."""
        return self.memo(("user", name.lower()), lambda: self._entity(UserRecord, t.users, name))

    def user_by_id(self, user_id: str) -> UserRecord | None:
        """The user with unique id ``user_id``, if any."""
        return self.memo(("user-id", user_id), lambda: self._by_id(UserRecord, t.users, user_id))

    def role(self, name: str) -> RoleRecord | None:
        """The role named ``name`` (case-insensitive), if any."""
        return self.memo(("role", name.lower()), lambda: self._entity(RoleRecord, t.roles, name))

    def role_by_id(self, role_id: str) -> RoleRecord | None:
        """The role with unique id ``role_id``, if any."""
        return self.memo(("role-id", role_id), lambda: self._by_id(RoleRecord, t.roles, role_id))

    def group(self, name: str) -> GroupRecord | None:
        """The group named ``name`` (case-insensitive), if any."""
        return self.memo(("group", name.lower()), lambda: self._entity(GroupRecord, t.groups, name))

    def group_by_id(self, group_id: str) -> GroupRecord | None:
        """The group with unique id ``group_id``, if any."""
        return self.memo(
            ("group-id", group_id), lambda: self._by_id(GroupRecord, t.groups, group_id)
        )

    def instance_profile(self, name: str) -> InstanceProfileRecord | None:
        """The instance profile named ``name`` (case-insensitive), if any."""
        return self.memo(
            ("instance-profile", name.lower()),
            lambda: self._entity(InstanceProfileRecord, t.instance_profiles, name),
        )

    def managed_policy(self, arn: str) -> ManagedPolicyRecord | None:
        """The customer managed policy with that ARN in this account, if any."""

        def load() -> ManagedPolicyRecord | None:
            row = self._one(_MANAGED_POLICY, {"arn": arn, "account_id": self.account_id})
            return record(ManagedPolicyRecord, row) if row else None

        return self.memo(("policy", arn), load)

    def policy_document(self, arn: str) -> str | None:
        """The default version's document of a managed policy (AWS or customer)."""

        def load() -> str | None:
            aws = self.catalog.get(arn)
            if aws is not None:
                return aws.document
            policy = self.managed_policy(arn)
            if policy is None:
                return None
            row = self._one(
                _POLICY_DOCUMENT,
                {"policy_id": policy.id, "version_id": policy.default_version},
            )
            return row.document if row else None

        return self.memo(("policy-doc", arn), load)

    def access_key(self, key_id: str) -> AccessKeyRecord | None:
        """The long-term access key ``key_id`` of this account, if any."""

        def load() -> AccessKeyRecord | None:
            row = self._one(_ACCESS_KEY, {"id": key_id, "account_id": self.account_id})
            return record(AccessKeyRecord, row) if row else None

        return self.memo(("access-key", key_id), load)

    def tags(self, resource_type: str, resource_id: str) -> tuple[tuple[str, str], ...]:
        """Tags of an entity as ``(key, value)`` pairs, sorted by key."""

        def load() -> tuple[tuple[str, str], ...]:
            with self.store.read() as conn:
                rows = conn.execute(
                    _TAGS, {"resource_type": resource_type, "resource_id": resource_id}
                )
                return tuple((r.key, r.value) for r in rows)

        return self.memo(("tags", resource_type, resource_id), load)

    def _entity(self, cls: type[T], table: Any, name: str) -> T | None:
        row = self._one(
            by_name_query(table), {"account_id": self.account_id, "name_key": name.lower()}
        )
        return record(cls, row) if row else None

    def _by_id(self, cls: type[T], table: Any, entity_id: str) -> T | None:
        row = self._one(_by_id_query(table), {"id": entity_id, "account_id": self.account_id})
        return record(cls, row) if row else None

    def with_connection(self, work: Callable[[Connection], T]) -> T:
        """Run an ad-hoc read (not memoised)."""
        with self.store.read() as conn:
            return work(conn)


class Directory:
    """One current :class:`AccountView` per account."""

    def __init__(self, store: Store, catalog: Catalog) -> None:
        self.store = store
        self.catalog = catalog
        self._views: dict[str, AccountView] = {}
        self._lock = threading.Lock()
        # Access key ids are never reused, so their owner never changes.
        self._key_owners: dict[str, str] = {}

    def view(self, account_id: str) -> AccountView | None:
        """The current view of ``account_id``, or ``None`` if there is no such account."""
        revision = self.store.revision(account_id)
        if revision is None:
            return None
        cached = self._views.get(account_id)
        if cached is not None and cached.revision == revision:
            return cached
        with self.store.read() as conn:
            row = conn.execute(_ACCOUNT_ROW, {"account_id": account_id}).first()
        if row is None:
            return None
        view = AccountView(self.store, self.catalog, record(AccountRecord, row))
        with self._lock:
            current = self._views.get(account_id)
            if current is None or current.revision < view.revision:
                self._views[account_id] = view
        return view

    def key_owner(self, key_id: str) -> str | None:
        """The account that holds a long-term access key, whatever its id encodes."""
        found = self._key_owners.get(key_id)
        if found is None:
            with self.store.read() as conn:
                row = conn.execute(_KEY_OWNER, {"id": key_id}).first()
            if row is None:
                return None
            found = self._key_owners[key_id] = row.account_id
        return found

    def forget(self, account_id: str) -> None:
        """Drop the cached view of an account (its next use re-reads everything)."""
        with self._lock:
            self._views.pop(account_id, None)
