"""The server's keyring: authenticated encryption of secrets at rest and in tokens.

A keyring holds one or more 256-bit master keys, each with a short key id; the
first is used to encrypt, all are tried by id to decrypt, so keys can be rotated
by adding a new first key and keeping the old ones until their ciphertexts are
gone.  Keys come from the environment (``ROLECALL_MASTER_KEYS``) or from
``DATA_DIR/master.key`` (mode 0600, created at first start).  Each file/env entry
is ``<key-id>:<base64 key>``; several entries are separated by commas or newlines.

Every ciphertext is ``key-id || nonce || AES-GCM(plaintext, aad)``; the
``purpose`` of a key use (secret access keys, MFA seeds, session tokens) is mixed
in through HKDF so one master key never encrypts two kinds of data under the same
derived key.
"""

from __future__ import annotations

import base64
import binascii
import os
import secrets
from collections.abc import Iterable
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from .entropy import random_bytes

ENV_VAR = "ROLECALL_MASTER_KEYS"
KEY_FILE = "master.key"
_KEY_ID_LEN = 4
_NONCE_LEN = 12


class KeyringError(Exception):
    """The keyring is missing or malformed."""


class DecryptionError(Exception):
    """A ciphertext was tampered with, truncated, or made under an unknown key."""


class Keyring:
    """Master keys by id, with purpose-bound AES-GCM encryption."""

    def __init__(self, keys: Iterable[tuple[str, bytes]]) -> None:
        self._keys: dict[bytes, bytes] = {}
        self._order: list[bytes] = []
        for key_id, key in keys:
            kid = key_id.encode("ascii")
            if len(kid) != _KEY_ID_LEN or len(key) != 32:
                raise KeyringError("each master key needs a 4-character id and 32 bytes")
            self._keys[kid] = key
            self._order.append(kid)
        if not self._order:
            raise KeyringError("the keyring has no keys")
        self._derived: dict[tuple[bytes, str], AESGCM] = {}

    @property
    def active_key_id(self) -> str:
        """The id of the key new ciphertexts are made with."""
        return self._order[0].decode("ascii")

    def _aead(self, kid: bytes, purpose: str) -> AESGCM:
        found = self._derived.get((kid, purpose))
        if found is None:
            derived = HKDF(
                algorithm=hashes.SHA256(),
                length=32,
                salt=None,
                info=b"rolecall/" + purpose.encode(),
            ).derive(self._keys[kid])
            found = self._derived[(kid, purpose)] = AESGCM(derived)
        return found

    def encrypt(self, plaintext: bytes, *, purpose: str, aad: bytes = b"") -> bytes:
        """Encrypt under the active key for ``purpose``; ``aad`` is authenticated too."""
        kid = self._order[0]
        nonce = random_bytes(_NONCE_LEN)
        return kid + nonce + self._aead(kid, purpose).encrypt(nonce, plaintext, aad)

    def decrypt(self, blob: bytes, *, purpose: str, aad: bytes = b"") -> bytes:
        """Decrypt a ciphertext made by :meth:`encrypt`; raises DecryptionError if forged."""
        kid = blob[:_KEY_ID_LEN]
        if kid not in self._keys or len(blob) < _KEY_ID_LEN + _NONCE_LEN + 16:
            raise DecryptionError("unknown key or truncated ciphertext")
        nonce = blob[_KEY_ID_LEN : _KEY_ID_LEN + _NONCE_LEN]
        try:
            return self._aead(kid, purpose).decrypt(nonce, blob[_KEY_ID_LEN + _NONCE_LEN :], aad)
        except InvalidTag:
            raise DecryptionError("ciphertext failed authentication") from None


def new_key_entry() -> str:
    """A fresh ``<key-id>:<base64 key>`` entry."""
    key_id = secrets.token_hex(2)
    return f"{key_id}:{base64.b64encode(secrets.token_bytes(32)).decode()}"


def parse_entries(text: str) -> list[tuple[str, bytes]]:
    """Parse ``id:base64`` entries separated by commas or newlines."""
    out: list[tuple[str, bytes]] = []
    for raw in text.replace(",", "\n").splitlines():
        entry = raw.strip()
        if not entry or entry.startswith("#"):
            continue
        key_id, sep, b64 = entry.partition(":")
        if not sep:
            raise KeyringError("a master key entry must look like '<id>:<base64 key>'")
        try:
            out.append((key_id.strip(), base64.b64decode(b64.strip(), validate=True)))
        except (binascii.Error, ValueError):
            raise KeyringError(f"master key {key_id!r} is not valid base64") from None
    return out


def load_keyring(data_dir: Path | None) -> Keyring:
    """The keyring from the environment, else from ``data_dir`` (created if absent)."""
    env = os.environ.get(ENV_VAR)
    if env:
        return Keyring(parse_entries(env))
    if data_dir is None:
        raise KeyringError(f"no master key: set {ENV_VAR} or use a data directory")
    path = data_dir / KEY_FILE
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        # O_EXCL: two processes starting together must not both write a key.
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "w") as fh:
                fh.write(new_key_entry() + "\n")
    mode = path.stat().st_mode & 0o777
    if mode & 0o077:
        raise KeyringError(
            f"{path} must not be readable by group or others (mode {mode:o}); chmod 600 it"
        )
    return Keyring(parse_entries(path.read_text()))
