"""Console passwords: login profiles, ChangePassword, and the account password policy.

Every password set (CreateLoginProfile, UpdateLoginProfile, ChangePassword) must
meet the account's password policy, or AWS's default policy when the account has
none (:mod:`rolecall.iam.password_policy`).  Passwords are hashed with scrypt
before they are stored and never appear in results or in the audit trail
(``Password``, ``OldPassword`` and ``NewPassword`` are redacted everywhere).

Hashing is deliberately slow, so it happens outside the write transaction: the
profile is read, the new password checked and hashed, and the write then
verifies that the profile did not change in between (if it did, AWS's
EntityTemporarilyUnmodifiable tells the caller to retry).

With ``AllowUsersToChangePassword`` in the account policy, every IAM user may
change its own password and read the password policy without a policy granting
``iam:ChangePassword`` / ``iam:GetAccountPasswordPolicy`` (an explicit deny still
wins), so those two operations authorize themselves.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from rolecall.api.call import Call
from rolecall.api.preauthorize import condition_values, resolve_target
from rolecall.api.registry import operation
from rolecall.auth.principal import PrincipalKind
from rolecall.authz.spec import load_operation_auth
from rolecall.crypto.passwords import hash_password, verify_password
from rolecall.policy import Outcome
from rolecall.protocol.errors import (
    AccessDenied,
    EntityAlreadyExists,
    NoSuchEntity,
    ValidationError,
)
from rolecall.store import schema as t

from ..lookup import user_in
from ..password_policy import (
    EntityTemporarilyUnmodifiable,
    InvalidUserType,
    PasswordPolicy,
    check_reuse,
    check_rules,
    load_policy,
    parse_history,
    push_history,
)
from ..records import UserRecord


def no_such_profile(name: str) -> NoSuchEntity:
    """AWS's error for a user without a login profile."""
    return NoSuchEntity(f"Login Profile for User {name} cannot be found.")


def _profile(conn: Connection, user: UserRecord) -> Any:
    return conn.execute(
        select(t.login_profiles).where(t.login_profiles.c.user_id == user.id)
    ).first()


def _target_name(call: Call) -> str:
    """UserName, or the calling IAM user's name when it is left out."""
    name: str | None = call.params.get("UserName")
    if name is not None:
        return name
    if call.principal.kind is not PrincipalKind.USER:
        raise ValidationError("Must specify userName when calling with non-User credentials")
    return call.principal.name


def _profile_shape(user: UserRecord, created: datetime, reset_required: bool) -> dict[str, Any]:
    return {"UserName": user.name, "CreateDate": created, "PasswordResetRequired": reset_required}


def _missing_password() -> ValidationError:
    return ValidationError(
        "1 validation error detected: Value null at 'password' failed to satisfy constraint: "
        "Member must not be null"
    )


@operation("iam", "CreateLoginProfile")
def create_login_profile(call: Call) -> dict[str, Any]:
    name = _target_name(call)
    password: str | None = call.params.get("Password")
    reset = bool(call.params.get("PasswordResetRequired"))
    with call.runtime.store.read() as conn:
        user = user_in(conn, call.account_id, name)
        if _profile(conn, user) is not None:
            raise EntityAlreadyExists(f"Login Profile for user {user.name} already exists.")
        policy = load_policy(conn, call.account_id)
    if password is None:
        raise _missing_password()
    check_rules(password, policy)
    hashed = hash_password(password)
    with call.write() as conn:
        user = user_in(conn, call.account_id, name)
        try:
            conn.execute(
                insert(t.login_profiles).values(
                    user_id=user.id,
                    password_hash=hashed,
                    password_reset_required=reset,
                    created_at=call.now,
                    password_changed_at=call.now,
                    password_history=None,
                )
            )
        except IntegrityError:
            raise EntityAlreadyExists(
                f"Login Profile for user {user.name} already exists."
            ) from None
    call.touch("user", user.arn)
    return {"LoginProfile": _profile_shape(user, call.now, reset)}


@operation("iam", "GetLoginProfile")
def get_login_profile(call: Call) -> dict[str, Any]:
    name = _target_name(call)
    with call.runtime.store.read() as conn:
        user = user_in(conn, call.account_id, name)
        row = _profile(conn, user)
    if row is None:
        raise no_such_profile(user.name)
    return {"LoginProfile": _profile_shape(user, row.created_at, bool(row.password_reset_required))}


def _set_password(
    call: Call,
    user: UserRecord,
    snapshot: Any,
    hashed: str | None,
    reset_required: bool | None,
) -> None:
    """Write a new password hash and/or reset flag, if the profile is still ``snapshot``."""
    with call.write() as conn:
        current = _profile(conn, user)
        if current is None:
            raise no_such_profile(user.name)
        if current.password_hash != snapshot.password_hash:
            raise EntityTemporarilyUnmodifiable(
                f"Login Profile for User {user.name} cannot be modified while its password "
                "is being changed by another request."
            )
        values: dict[str, Any] = {}
        if hashed is not None:
            values.update(
                password_hash=hashed,
                password_changed_at=call.now,
                password_history=push_history(
                    current.password_hash, parse_history(current.password_history)
                ),
            )
        if reset_required is not None:
            values["password_reset_required"] = reset_required
        if values:
            conn.execute(
                update(t.login_profiles)
                .where(
                    and_(
                        t.login_profiles.c.user_id == user.id,
                        t.login_profiles.c.password_hash == snapshot.password_hash,
                    )
                )
                .values(**values)
            )


def _new_password_hash(password: str, policy: PasswordPolicy | None, snapshot: Any) -> str:
    check_rules(password, policy)
    check_reuse(password, policy, snapshot.password_hash, parse_history(snapshot.password_history))
    return hash_password(password)


@operation("iam", "UpdateLoginProfile")
def update_login_profile(call: Call) -> None:
    name: str = call.params["UserName"]
    password: str | None = call.params.get("Password")
    reset: bool | None = call.params.get("PasswordResetRequired")
    with call.runtime.store.read() as conn:
        user = user_in(conn, call.account_id, name)
        snapshot = _profile(conn, user)
        policy = load_policy(conn, call.account_id)
    if snapshot is None:
        raise no_such_profile(user.name)
    hashed = _new_password_hash(password, policy, snapshot) if password is not None else None
    _set_password(call, user, snapshot, hashed, reset)
    call.touch("user", user.arn)


@operation("iam", "DeleteLoginProfile")
def delete_login_profile(call: Call) -> None:
    name = _target_name(call)
    with call.write() as conn:
        user = user_in(conn, call.account_id, name)
        result = conn.execute(delete(t.login_profiles).where(t.login_profiles.c.user_id == user.id))
        if result.rowcount == 0:
            raise no_such_profile(user.name)
    call.touch("user", user.arn)


def _authorize_self_service(call: Call, operation_name: str, policy: PasswordPolicy | None) -> None:
    """Authorize an operation that AllowUsersToChangePassword grants every IAM user."""
    auth = load_operation_auth("iam")[operation_name]
    target = resolve_target(call, auth.resource)
    extra = condition_values(call, auth.condition_keys, target)
    decision = call.decide(auth.action, target.arn, extra)
    if decision.allowed:
        return
    granted = (
        policy is not None
        and policy.allow_users_to_change
        and call.principal.kind is PrincipalKind.USER
        and decision.outcome is not Outcome.EXPLICIT_DENY
    )
    if not granted:
        call.authorize(auth.action, target.arn, extra)  # raises AWS's AccessDenied


@operation("iam", "ChangePassword", pre_authorize=False)
def change_password(call: Call) -> None:
    old: str = call.params["OldPassword"]
    new: str = call.params["NewPassword"]
    with call.runtime.store.read() as conn:
        policy = load_policy(conn, call.account_id)
    _authorize_self_service(call, "ChangePassword", policy)
    principal = call.principal
    if principal.kind is not PrincipalKind.USER:
        raise InvalidUserType("Only IAM users can change their own password with ChangePassword.")
    with call.runtime.store.read() as conn:
        user = user_in(conn, call.account_id, principal.name)
        snapshot = _profile(conn, user)
    if snapshot is None:
        raise no_such_profile(user.name)
    if not verify_password(old, snapshot.password_hash):
        raise AccessDenied("The old password is incorrect.")
    expires = policy.expires_at(snapshot.password_changed_at) if policy else None
    if policy is not None and policy.hard_expiry and expires is not None and call.now >= expires:
        # HardExpiry: an expired password can only be reset by an administrator.
        raise EntityTemporarilyUnmodifiable(
            f"Login Profile for User {user.name} has an expired password, which only an "
            "administrator can reset."
        )
    hashed = _new_password_hash(new, policy, snapshot)
    _set_password(call, user, snapshot, hashed, False)
    call.touch("user", user.arn)


@operation("iam", "UpdateAccountPasswordPolicy")
def update_account_password_policy(call: Call) -> None:
    policy = PasswordPolicy.from_params(call.params)
    with call.write() as conn:
        conn.execute(
            update(t.accounts)
            .where(t.accounts.c.id == call.account_id)
            .values(password_policy=policy.to_json())
        )


@operation("iam", "GetAccountPasswordPolicy", pre_authorize=False)
def get_account_password_policy(call: Call) -> dict[str, Any]:
    with call.runtime.store.read() as conn:
        policy = load_policy(conn, call.account_id)
    _authorize_self_service(call, "GetAccountPasswordPolicy", policy)
    if policy is None:
        raise NoSuchEntity(
            f"The Password Policy with domain name {call.account_id} cannot be found."
        )
    return {"PasswordPolicy": policy.shape()}


@operation("iam", "DeleteAccountPasswordPolicy")
def delete_account_password_policy(call: Call) -> None:
    with call.write() as conn:
        if load_policy(conn, call.account_id) is None:
            raise NoSuchEntity("The account policy with name PasswordPolicy cannot be found.")
        conn.execute(
            update(t.accounts)
            .where(t.accounts.c.id == call.account_id)
            .values(password_policy=None)
        )
