"""Self-contained session tokens.

A session token carries everything needed to authenticate and authorize a request
made with temporary credentials — account, role and its unique id, session name,
issue and expiry times, session policies, tags, source identity, MFA time,
chaining flag, and the session's secret access key — encrypted and authenticated
with AES-GCM under the server keyring (purpose ``session-token``, key id in the
blob, so keys can rotate).  Any server process sharing the keyring validates a
request without touching the database; flipping one bit makes the token
unreadable (InvalidClientTokenId).
"""

from __future__ import annotations

import base64
import binascii
import json
from collections import OrderedDict
from threading import Lock
from typing import Any

from rolecall.auth.principal import Session, SessionKind
from rolecall.crypto.keyring import DecryptionError, Keyring

_PURPOSE = "session-token"
_PREFIX = "RC1"
_CACHE_SIZE = 4096


class TokenError(Exception):
    """The token is not one of ours, or was altered."""


class SessionTokenCodec:
    """Encode sessions into tokens and back (decoding is cached per token)."""

    def __init__(self, keyring: Keyring) -> None:
        self._keyring = keyring
        self._cache: OrderedDict[str, Session] = OrderedDict()
        self._lock = Lock()

    def encode(self, session: Session) -> str:
        """The opaque token for ``session``."""
        payload = json.dumps(_to_json(session), separators=(",", ":")).encode()
        blob = self._keyring.encrypt(payload, purpose=_PURPOSE, aad=_PREFIX.encode())
        return _PREFIX + base64.b64encode(blob).decode("ascii")

    def decode(self, token: str) -> Session:
        """The session inside ``token``; raises TokenError if it is not authentic."""
        with self._lock:
            found = self._cache.get(token)
            if found is not None:
                self._cache.move_to_end(token)
                return found
        if not token.startswith(_PREFIX):
            raise TokenError("not a rolecall session token")
        try:
            blob = base64.b64decode(token[len(_PREFIX) :], validate=True)
            payload = self._keyring.decrypt(blob, purpose=_PURPOSE, aad=_PREFIX.encode())
            session = _from_json(json.loads(payload))
        except (binascii.Error, ValueError, DecryptionError, KeyError, TypeError) as exc:
            raise TokenError("session token failed authentication") from exc
        with self._lock:
            self._cache[token] = session
            while len(self._cache) > _CACHE_SIZE:
                self._cache.popitem(last=False)
        return session


def _to_json(s: Session) -> dict[str, Any]:
    out: dict[str, Any] = {
        "k": s.kind.value,
        "ak": s.access_key_id,
        "sk": s.secret_access_key,
        "a": s.account_id,
        "iat": s.issued_at,
        "exp": s.expires_at,
        "n": s.name,
    }
    optional = {
        "rid": s.role_id,
        "rn": s.role_name,
        "rp": s.role_path,
        "uid": s.user_id,
        "un": s.user_name,
        "up": s.user_path,
        "t": [list(t) for t in s.tags] or None,
        "tt": list(s.transitive_tag_keys) or None,
        "si": s.source_identity,
        "mfa": s.mfa_at,
        "ch": s.chained or None,
        "p": s.policy,
        "pa": list(s.policy_arns) or None,
        "ip": s.source_ip,
        "fp": s.federated_provider,
        "fd": s.federation,
        "fk": [[k, list(v)] for k, v in s.federation_keys] or None,
    }
    out.update({k: v for k, v in optional.items() if v is not None})
    return out


def _from_json(d: dict[str, Any]) -> Session:
    return Session(
        kind=SessionKind(d["k"]),
        access_key_id=d["ak"],
        secret_access_key=d["sk"],
        account_id=d["a"],
        issued_at=float(d["iat"]),
        expires_at=float(d["exp"]),
        name=d.get("n", ""),
        role_id=d.get("rid"),
        role_name=d.get("rn"),
        role_path=d.get("rp"),
        user_id=d.get("uid"),
        user_name=d.get("un"),
        user_path=d.get("up"),
        tags=tuple((k, v) for k, v in d.get("t", [])),
        transitive_tag_keys=tuple(d.get("tt", [])),
        source_identity=d.get("si"),
        mfa_at=d.get("mfa"),
        chained=bool(d.get("ch", False)),
        policy=d.get("p"),
        policy_arns=tuple(d.get("pa", [])),
        source_ip=d.get("ip"),
        federated_provider=d.get("fp"),
        federation=d.get("fd"),
        federation_keys=tuple((k, tuple(v)) for k, v in d.get("fk", [])),
    )
