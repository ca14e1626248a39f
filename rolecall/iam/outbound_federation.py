"""An account's outbound identity federation: its issuer and whether it may issue.

EnableOutboundWebIdentityFederation gives an account an OIDC issuer of its own.
On AWS it is ``https://<uuid>.tokens.sts.global.api.aws``; rolecall has one
host, so the issuer is a path under the server's public URL
(``<public-url>/oidc/<uuid>``), serving ``/.well-known/openid-configuration``
and ``/.well-known/jwks.json`` like AWS's.  The issuer id is kept when the
feature is disabled, so re-enabling gives back the same issuer (as observed on
AWS), and its key set stays published.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, insert, select, update

from rolecall.store import schema as t

#: Where issuers live under the server's public URL.
ISSUER_PATH = "/oidc/"


@dataclass(frozen=True, slots=True)
class OutboundState:
    """An account's outbound federation record."""

    issuer_id: str
    enabled: bool


def issuer_url(public_url: str, issuer_id: str) -> str:
    """The issuer (the ``iss`` claim) for ``issuer_id``."""
    return f"{public_url.rstrip('/')}{ISSUER_PATH}{issuer_id}"


def state(conn: Connection, account_id: str) -> OutboundState | None:
    """The account's record, or ``None`` if the feature was never enabled."""
    row = conn.execute(
        select(t.outbound_federation.c.issuer_id, t.outbound_federation.c.enabled).where(
            t.outbound_federation.c.account_id == account_id
        )
    ).first()
    return OutboundState(row.issuer_id, bool(row.enabled)) if row is not None else None


def set_enabled(conn: Connection, account_id: str, enabled: bool, now: datetime) -> str:
    """Turn the feature on or off; returns the issuer id (minted on first enable)."""
    found = state(conn, account_id)
    if found is None:
        issuer_id = str(uuid.uuid4())
        conn.execute(
            insert(t.outbound_federation).values(
                account_id=account_id, issuer_id=issuer_id, enabled=enabled, updated_at=now
            )
        )
        return issuer_id
    conn.execute(
        update(t.outbound_federation)
        .where(t.outbound_federation.c.account_id == account_id)
        .values(enabled=enabled, updated_at=now)
    )
    return found.issuer_id


def issuer_exists(conn: Connection, issuer_id: str) -> bool:
    """Whether some account owns ``issuer_id`` (enabled or not: keys stay published)."""
    return (
        conn.execute(
            select(t.outbound_federation.c.account_id).where(
                t.outbound_federation.c.issuer_id == issuer_id
            )
        ).first()
        is not None
    )
