"""The keys GetWebIdentityToken signs with, and the key set issuers publish.

AWS publishes two keys for every outbound issuer: ``RSA_0`` (RS256, 2048 bits)
and ``EC384_0`` (ES384, P-384).  rolecall keeps a pair for each issuer (one per
account that enabled the feature), so a relying party that checks only the key
set never takes one account's token for another's.  Keys are created on first
use and stored with the private key encrypted under the keyring, so every
server process sharing the store signs with the same keys and publishes the
same set.  Two processes racing to create a key both try to insert the same
row; one wins and the other reads the winner's key.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwt.algorithms import ECAlgorithm, RSAAlgorithm
from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError

from rolecall.crypto.keyring import Keyring
from rolecall.store import schema as t
from rolecall.store.engine import Store

#: The key id AWS uses for each signing algorithm, in the order the set lists them.
KEY_IDS = {"RS256": "RSA_0", "ES384": "EC384_0"}
_PURPOSE = "outbound-signing-key"

PrivateKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey


class SigningKeys:
    """Each outbound issuer's signing keys (loaded once per process, thread-safe)."""

    def __init__(self, store: Store, keyring: Keyring) -> None:
        self._store = store
        self._keyring = keyring
        self._keys: dict[str, dict[str, PrivateKey]] = {}
        self._lock = threading.Lock()

    def private_key(self, issuer_id: str, algorithm: str) -> tuple[str, PrivateKey]:
        """The key id and private key ``issuer_id`` signs with for ``algorithm``."""
        keys = self._load(issuer_id)
        return KEY_IDS[algorithm], keys[algorithm]

    def jwks(self, issuer_id: str) -> dict[str, Any]:
        """The JSON Web Key Set the issuer publishes (public halves only)."""
        keys = self._load(issuer_id)
        out: list[dict[str, Any]] = []
        for algorithm, kid in KEY_IDS.items():
            public = keys[algorithm].public_key()
            codec: Any = RSAAlgorithm if algorithm == "RS256" else ECAlgorithm
            jwk: dict[str, Any] = codec.to_jwk(public, as_dict=True)
            jwk.pop("key_ops", None)  # AWS's set has "use" only
            jwk.update(kid=kid, use="sig", alg=algorithm)
            out.append(dict(sorted(jwk.items())))
        return {"keys": out}

    def _load(self, issuer_id: str) -> dict[str, PrivateKey]:
        with self._lock:
            found = self._keys.get(issuer_id)
            if found is None:
                found = self._keys[issuer_id] = self._read_or_create(issuer_id)
            return found

    def _read_or_create(self, issuer_id: str) -> dict[str, PrivateKey]:
        found = self._read(issuer_id)
        for algorithm, kid in KEY_IDS.items():
            if algorithm in found:
                continue
            pem = _new_key(algorithm).private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
            blob = self._keyring.encrypt(pem, purpose=_PURPOSE, aad=_aad(issuer_id, kid))
            try:
                with self._store.write() as conn:
                    conn.execute(
                        insert(t.outbound_signing_keys).values(
                            issuer_id=issuer_id,
                            kid=kid,
                            algorithm=algorithm,
                            private_key_enc=blob,
                            created_at=datetime.now(UTC),
                        )
                    )
            except IntegrityError:
                pass  # another process created it first: use theirs
        return self._read(issuer_id)

    def _read(self, issuer_id: str) -> dict[str, PrivateKey]:
        with self._store.read() as conn:
            rows = conn.execute(
                select(t.outbound_signing_keys).where(
                    t.outbound_signing_keys.c.issuer_id == issuer_id
                )
            ).all()
        out: dict[str, PrivateKey] = {}
        for row in rows:
            pem = self._keyring.decrypt(
                row.private_key_enc, purpose=_PURPOSE, aad=_aad(issuer_id, row.kid)
            )
            key = serialization.load_pem_private_key(pem, password=None)
            if isinstance(key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey):
                out[row.algorithm] = key
        return out


def _aad(issuer_id: str, kid: str) -> bytes:
    # Binds each encrypted key to its issuer: a row copied to another issuer
    # does not decrypt.
    return f"{issuer_id}|{kid}".encode()


def _new_key(algorithm: str) -> PrivateKey:
    if algorithm == "RS256":
        return rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return ec.generate_private_key(ec.SECP384R1())
