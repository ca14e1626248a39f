"""The keys GetWebIdentityToken signs with, and the key set issuers publish.

AWS publishes two keys for every outbound issuer: ``RSA_0`` (RS256, 2048 bits)
and ``EC384_0`` (ES384, P-384).  rolecall keeps one of each for the whole
server: created on first use, stored with the private key encrypted under the
keyring, so every server process sharing the store signs with the same keys and
publishes the same set.  Two processes racing to create a key both try to
insert the same ``kid``; one wins and the other reads the winner's key.
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
    """The server's outbound signing keys (loaded once, thread-safe)."""

    def __init__(self, store: Store, keyring: Keyring) -> None:
        self._store = store
        self._keyring = keyring
        self._keys: dict[str, PrivateKey] | None = None
        self._lock = threading.Lock()

    def private_key(self, algorithm: str) -> tuple[str, PrivateKey]:
        """The key id and private key for ``algorithm`` (RS256 or ES384)."""
        keys = self._load()
        return KEY_IDS[algorithm], keys[algorithm]

    def jwks(self) -> dict[str, Any]:
        """The JSON Web Key Set an issuer publishes (public halves only)."""
        keys = self._load()
        out: list[dict[str, Any]] = []
        for algorithm, kid in KEY_IDS.items():
            public = keys[algorithm].public_key()
            codec: Any = RSAAlgorithm if algorithm == "RS256" else ECAlgorithm
            jwk: dict[str, Any] = codec.to_jwk(public, as_dict=True)
            jwk.pop("key_ops", None)  # AWS's set has "use" only
            jwk.update(kid=kid, use="sig", alg=algorithm)
            out.append(dict(sorted(jwk.items())))
        return {"keys": out}

    def _load(self) -> dict[str, PrivateKey]:
        with self._lock:
            if self._keys is None:
                self._keys = self._read_or_create()
            return self._keys

    def _read_or_create(self) -> dict[str, PrivateKey]:
        found = self._read()
        for algorithm, kid in KEY_IDS.items():
            if algorithm in found:
                continue
            pem = _new_key(algorithm).private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
            blob = self._keyring.encrypt(pem, purpose=_PURPOSE, aad=kid.encode())
            try:
                with self._store.write() as conn:
                    conn.execute(
                        insert(t.outbound_signing_keys).values(
                            kid=kid,
                            algorithm=algorithm,
                            private_key_enc=blob,
                            created_at=datetime.now(UTC),
                        )
                    )
            except IntegrityError:
                pass  # another process created it first: use theirs
        return self._read()

    def _read(self) -> dict[str, PrivateKey]:
        with self._store.read() as conn:
            rows = conn.execute(select(t.outbound_signing_keys)).all()
        out: dict[str, PrivateKey] = {}
        for row in rows:
            pem = self._keyring.decrypt(row.private_key_enc, purpose=_PURPOSE, aad=row.kid.encode())
            key = serialization.load_pem_private_key(pem, password=None)
            if isinstance(key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey):
                out[row.algorithm] = key
        return out


def _new_key(algorithm: str) -> PrivateKey:
    if algorithm == "RS256":
        return rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return ec.generate_private_key(ec.SECP384R1())
