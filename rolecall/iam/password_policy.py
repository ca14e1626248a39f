"""The account password policy: storage, defaults, and the rules every new password meets.

An account either has a custom policy (``accounts.password_policy``, JSON, set by
UpdateAccountPasswordPolicy) or none, in which case AWS's *default* policy
applies to every password set: at least 8 characters and at least three of the
four character types (upper case, lower case, digits, symbols).

UpdateAccountPasswordPolicy replaces the whole policy: a parameter left out
takes its default (6 characters, nothing required, no expiry, no reuse
prevention).  ``MaxPasswordAge``, ``PasswordReusePrevention`` and ``HardExpiry``
have no explicit "off" value; they are stored (and shown) only when given.

Passwords are only ever kept as scrypt hashes (:mod:`rolecall.crypto.passwords`);
``login_profiles.password_history`` holds earlier hashes, newest first, for
``PasswordReusePrevention``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, select

from rolecall.crypto.passwords import verify_password
from rolecall.protocol.errors import AWSError
from rolecall.store import schema as t

#: The characters RequireSymbols accepts (the API reference's list).
SYMBOLS = frozenset("!@#$%^&*()_+-=[]{}|'")
#: How many earlier passwords are remembered: PasswordReusePrevention's maximum.
MAX_HISTORY = 24
#: AWS's default policy, which applies while an account has no custom one.
DEFAULT_MINIMUM_LENGTH = 8
DEFAULT_REQUIRED_TYPES = 3


class PasswordPolicyViolation(AWSError):
    """A password does not meet the account's password policy."""

    code = "PasswordPolicyViolation"
    status = 400


class EntityTemporarilyUnmodifiable(AWSError):
    """The entity cannot be changed right now (e.g. it is being changed concurrently)."""

    code = "EntityTemporarilyUnmodifiable"
    status = 409


class InvalidUserType(AWSError):
    """The operation is for IAM users and the caller is of another kind."""

    code = "InvalidUserType"
    status = 400


@dataclass(frozen=True, slots=True)
class PasswordPolicy:
    """A custom account password policy."""

    minimum_length: int = 6
    require_symbols: bool = False
    require_numbers: bool = False
    require_uppercase: bool = False
    require_lowercase: bool = False
    allow_users_to_change: bool = False
    max_age: int | None = None
    reuse_prevention: int | None = None
    hard_expiry: bool | None = None

    @classmethod
    def from_params(cls, params: Mapping[str, Any]) -> PasswordPolicy:
        """The policy UpdateAccountPasswordPolicy's parameters describe (defaults filled in)."""
        return cls(
            minimum_length=params.get("MinimumPasswordLength") or 6,
            require_symbols=bool(params.get("RequireSymbols")),
            require_numbers=bool(params.get("RequireNumbers")),
            require_uppercase=bool(params.get("RequireUppercaseCharacters")),
            require_lowercase=bool(params.get("RequireLowercaseCharacters")),
            allow_users_to_change=bool(params.get("AllowUsersToChangePassword")),
            max_age=params.get("MaxPasswordAge"),
            reuse_prevention=params.get("PasswordReusePrevention"),
            hard_expiry=params.get("HardExpiry"),
        )

    def to_json(self) -> str:
        """The stored form."""
        return json.dumps(
            {
                "MinimumPasswordLength": self.minimum_length,
                "RequireSymbols": self.require_symbols,
                "RequireNumbers": self.require_numbers,
                "RequireUppercaseCharacters": self.require_uppercase,
                "RequireLowercaseCharacters": self.require_lowercase,
                "AllowUsersToChangePassword": self.allow_users_to_change,
                "MaxPasswordAge": self.max_age,
                "PasswordReusePrevention": self.reuse_prevention,
                "HardExpiry": self.hard_expiry,
            },
            sort_keys=True,
        )

    @classmethod
    def from_json(cls, text: str) -> PasswordPolicy:
        """The policy from its stored form (written by :meth:`to_json`)."""
        return cls.from_params(json.loads(text))

    def shape(self) -> dict[str, Any]:
        """The API's ``PasswordPolicy`` structure."""
        out: dict[str, Any] = {
            "MinimumPasswordLength": self.minimum_length,
            "RequireSymbols": self.require_symbols,
            "RequireNumbers": self.require_numbers,
            "RequireUppercaseCharacters": self.require_uppercase,
            "RequireLowercaseCharacters": self.require_lowercase,
            "AllowUsersToChangePassword": self.allow_users_to_change,
            "ExpirePasswords": bool(self.max_age),
        }
        if self.max_age:
            out["MaxPasswordAge"] = self.max_age
        if self.reuse_prevention:
            out["PasswordReusePrevention"] = self.reuse_prevention
        if self.hard_expiry is not None:
            out["HardExpiry"] = self.hard_expiry
        return out

    def expires_at(self, changed_at: datetime) -> datetime | None:
        """When a password set at ``changed_at`` expires, if the policy makes passwords expire."""
        if not self.max_age:
            return None
        return changed_at + timedelta(days=self.max_age)


def load_policy(conn: Connection, account_id: str) -> PasswordPolicy | None:
    """The account's custom password policy, or ``None`` (AWS's default applies)."""
    text = conn.execute(
        select(t.accounts.c.password_policy).where(t.accounts.c.id == account_id)
    ).scalar_one_or_none()
    return PasswordPolicy.from_json(text) if text else None


def parse_policy(text: str | None) -> PasswordPolicy | None:
    """A stored policy column's value as a policy (``None`` when unset)."""
    return PasswordPolicy.from_json(text) if text else None


_TYPE_RULES = (
    ("uppercase letter", lambda c: "A" <= c <= "Z"),
    ("lowercase letter", lambda c: "a" <= c <= "z"),
    ("number", lambda c: "0" <= c <= "9"),
    ("symbol", lambda c: c in SYMBOLS),
)


def _missing_types(password: str) -> list[str]:
    return [name for name, test in _TYPE_RULES if not any(test(c) for c in password)]


def check_rules(password: str, policy: PasswordPolicy | None) -> None:
    """Raise PasswordPolicyViolation unless ``password`` meets the length and type rules."""
    if policy is None:
        if len(password) < DEFAULT_MINIMUM_LENGTH:
            raise PasswordPolicyViolation(
                f"Password should have a minimum length of {DEFAULT_MINIMUM_LENGTH}"
            )
        missing = _missing_types(password)
        needed = DEFAULT_REQUIRED_TYPES - (len(_TYPE_RULES) - len(missing))
        if needed > 0:
            listed = ", ".join(f"Password should have at least one {m}" for m in missing)
            raise PasswordPolicyViolation(
                f"Password should meet {needed} more of the following requirements: {listed}"
            )
        return
    if len(password) < policy.minimum_length:
        raise PasswordPolicyViolation(
            f"Password should have a minimum length of {policy.minimum_length}"
        )
    required = {
        "uppercase letter": policy.require_uppercase,
        "lowercase letter": policy.require_lowercase,
        "number": policy.require_numbers,
        "symbol": policy.require_symbols,
    }
    for name in _missing_types(password):
        if required[name]:
            raise PasswordPolicyViolation(f"Password should have at least one {name}")


def check_reuse(
    password: str, policy: PasswordPolicy | None, current: str | None, history: Iterable[str]
) -> None:
    """Raise PasswordPolicyViolation if ``password`` is one of the last N passwords.

    ``current`` is the hash of the password in use; ``history`` the earlier ones,
    newest first.  N counts the current password.
    """
    if policy is None or not policy.reuse_prevention or current is None:
        return
    recent = [current, *history][: policy.reuse_prevention]
    # Every hash is checked, so the time taken does not tell which one matched.
    if sum(verify_password(password, h) for h in recent):
        raise PasswordPolicyViolation(
            f"Password should not be one of your previous {policy.reuse_prevention} passwords"
        )


def parse_history(text: str | None) -> list[str]:
    """The stored password history (newest first)."""
    if not text:
        return []
    value = json.loads(text)
    return [h for h in value if isinstance(h, str)] if isinstance(value, list) else []


def push_history(current: str, history: list[str]) -> str:
    """The stored history after ``current`` is replaced by a new password."""
    return json.dumps([current, *history][:MAX_HISTORY])
