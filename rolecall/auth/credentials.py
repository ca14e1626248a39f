"""From an access key id (and session token) to an authenticated principal.

Long-term keys (``AKIA...``) name their account inside the key id; the key is
looked up in that account's cached view, must be Active, and its secret is
decrypted from the store (once per account revision).  Temporary keys
(``ASIA...``) come with a session token that is decrypted and checked without a
database read; the token's own access key id must match and it must not have
expired.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from rolecall.clock import Clock
from rolecall.crypto.keyring import DecryptionError, Keyring
from rolecall.iam import arns
from rolecall.iam.directory import AccountView, Directory
from rolecall.iam.ids import account_of_access_key
from rolecall.iam.records import AccessKeyRecord
from rolecall.sts.tokens import SessionTokenCodec, TokenError

from .principal import Principal, PrincipalKind, Session, SessionKind
from .sigv4 import ExpiredToken, InvalidClientTokenId

SECRET_PURPOSE = "access-key-secret"  # noqa: S105 - a key-derivation label, not a secret


@dataclass(frozen=True, slots=True)
class Credentials:
    """A resolved credential: who it authenticates, its secret, and the account view."""

    principal: Principal
    secret: str
    view: AccountView
    principal_tags: tuple[tuple[str, str], ...]
    #: SigV4 signing keys derived from ``secret``, by (date, region, service)
    signing_keys: dict[tuple[str, str, str], bytes] = field(
        default_factory=dict, compare=False, repr=False
    )


class CredentialResolver:
    """Resolves access keys to principals."""

    def __init__(
        self, directory: Directory, keyring: Keyring, tokens: SessionTokenCodec, clock: Clock
    ) -> None:
        self.directory = directory
        self.keyring = keyring
        self.tokens = tokens
        self.clock = clock
        # Key ids are never reused, so the account that owns one never changes.
        self._owners: dict[str, str] = {}

    def resolve(self, access_key_id: str, security_token: str | None) -> Credentials:
        """Who signs with ``access_key_id``; raises InvalidClientTokenId/ExpiredToken."""
        if access_key_id.startswith("ASIA"):
            if not security_token:
                raise InvalidClientTokenId()
            return self._session(access_key_id, security_token)
        view = self._view_of_key(access_key_id)
        key = view.access_key(access_key_id) if view is not None else None
        if view is None or key is None or key.status != "Active":
            raise InvalidClientTokenId()
        # Everything below depends only on this revision of the account.
        return view.memo(("credentials", key.id), lambda: self._long_term(view, key))

    def _long_term(self, view: AccountView, key: AccessKeyRecord) -> Credentials:
        secret = self._decrypt(key.secret_enc, key.id)
        if key.user_id is None:
            principal = Principal(
                PrincipalKind.ROOT,
                view.account_id,
                arns.root_arn(view.account_id),
                view.account_id,
                "",
                key.id,
            )
            return Credentials(principal, secret, view, ())
        user = view.user_by_id(key.user_id)
        if user is None:
            raise InvalidClientTokenId()
        tags = view.tags("user", user.id)
        principal = Principal(
            PrincipalKind.USER,
            view.account_id,
            user.arn,
            user.id,
            user.name,
            key.id,
            user_id=user.id,
            path=user.path,
            tags=tags,
            has_boundary=user.permissions_boundary is not None,
        )
        return Credentials(principal, secret, view, tags)

    def _view_of_key(self, key_id: str) -> AccountView | None:
        """The view of the account owning a key: encoded in the id, or looked up."""
        known = self._owners.get(key_id)
        if known is not None:
            view = self.directory.view(known)
            if view is not None and view.access_key(key_id) is not None:
                return view
        view = self._find_view_of_key(key_id)
        if view is not None:
            if len(self._owners) > 100_000:
                self._owners.clear()
            self._owners[key_id] = view.account_id
        return view

    def _find_view_of_key(self, key_id: str) -> AccountView | None:
        account_id = account_of_access_key(key_id)
        view = self.directory.view(account_id) if account_id else None
        if view is not None and view.access_key(key_id) is not None:
            return view
        # Keys imported with fixed ids (bootstrap files, e.g. AWS's documentation
        # example keys) do not encode their account.
        owner = self.directory.key_owner(key_id)
        return self.directory.view(owner) if owner else None

    def _decrypt(self, blob: bytes, key_id: str) -> str:
        try:
            return self.keyring.decrypt(blob, purpose=SECRET_PURPOSE, aad=key_id.encode()).decode()
        except DecryptionError:
            # Encrypted under a key this server does not have: unusable, not a crash.
            raise InvalidClientTokenId() from None

    def _session(self, access_key_id: str, token: str) -> Credentials:
        try:
            session = self.tokens.decode(token)
        except TokenError:
            raise InvalidClientTokenId() from None
        if session.access_key_id != access_key_id:
            raise InvalidClientTokenId()
        if self.clock.time() >= session.expires_at:
            raise ExpiredToken()
        view = self.directory.view(session.account_id)
        if view is None:
            raise InvalidClientTokenId()

        def build() -> Credentials:
            principal, tags = session_principal(view, session)
            return Credentials(principal, session.secret_access_key, view, tags)

        return view.memo(("session", session.access_key_id), build)


def session_principal(
    view: AccountView, session: Session
) -> tuple[Principal, tuple[tuple[str, str], ...]]:
    """The principal a session acts as, and its principal tags."""
    account = session.account_id
    if session.kind is SessionKind.ROLE:
        role = view.role_by_id(session.role_id or "")
        role_tags = view.tags("role", role.id) if role is not None else ()
        merged = {k.lower(): (k, v) for k, v in role_tags}
        merged.update({k.lower(): (k, v) for k, v in session.tags})  # session tags win
        tags = tuple(merged.values())
        role_name = session.role_name or ""
        principal = Principal(
            PrincipalKind.ASSUMED_ROLE,
            account,
            arns.assumed_role_arn(account, role_name, session.name),
            f"{session.role_id}:{session.name}",
            role_name,
            session.access_key_id,
            role_id=session.role_id,
            path=session.role_path or "/",
            session=session,
            tags=tags,
            has_boundary=role is not None and role.permissions_boundary is not None,
        )
        return principal, tags
    if session.kind is SessionKind.FEDERATION:
        principal = Principal(
            PrincipalKind.FEDERATED_USER,
            account,
            arns.federated_user_arn(account, session.name),
            f"{account}:{session.name}",
            session.name,
            session.access_key_id,
            user_id=session.user_id,
            session=session,
            tags=session.tags,
        )
        return principal, session.tags
    # GetSessionToken: the same user (or root) with temporary credentials.
    if session.user_id is None:
        principal = Principal(
            PrincipalKind.ROOT,
            account,
            arns.root_arn(account),
            account,
            "",
            session.access_key_id,
            session=session,
        )
        return principal, ()
    user = view.user_by_id(session.user_id)
    tags = view.tags("user", user.id) if user is not None else ()
    principal = Principal(
        PrincipalKind.USER,
        account,
        user.arn
        if user is not None
        else arns.user_arn(account, session.user_path or "/", session.user_name or ""),
        session.user_id,
        session.user_name or "",
        session.access_key_id,
        user_id=session.user_id,
        path=session.user_path or "/",
        session=session,
        tags=tags,
        has_boundary=user is not None and user.permissions_boundary is not None,
    )
    return principal, tags
