"""SSH public keys as IAM accepts them (for CodeCommit): RSA, OpenSSH or PEM encoded.

AWS's rules (UploadSSHPublicKey): the key is ``ssh-rsa`` in OpenSSH format or a
PEM public key, at least 2048 bits.  Its fingerprint is the MD5 digest of the
key's SSH wire encoding as colon-separated hex (what ``ssh-keygen -l -E md5``
prints), whatever encoding it was uploaded in, so the same key uploaded as
OpenSSH and as PEM is the same key.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from rolecall.protocol.errors import AWSError

MIN_BITS = 2048


class InvalidPublicKey(AWSError):
    """The public key is malformed or otherwise invalid."""

    code = "InvalidPublicKey"
    status = 400


class UnrecognizedPublicKeyEncoding(AWSError):
    """The public key's encoding is not one IAM supports."""

    code = "UnrecognizedPublicKeyEncoding"
    status = 400


class DuplicateSSHPublicKey(AWSError):
    """The key is already associated with the user."""

    code = "DuplicateSSHPublicKey"
    status = 400


@dataclass(frozen=True, slots=True)
class ParsedKey:
    """A validated SSH public key."""

    key: rsa.RSAPublicKey
    fingerprint: str


def _unrecognized() -> UnrecognizedPublicKeyEncoding:
    return UnrecognizedPublicKeyEncoding(
        "The public key encoding format is unsupported or unrecognized."
    )


def _invalid() -> InvalidPublicKey:
    return InvalidPublicKey("The public key is malformed or otherwise invalid.")


def parse_public_key(body: str) -> ParsedKey:
    """Validate an uploaded key; AWS's errors for anything IAM would refuse."""
    text = body.strip()
    key: object
    try:
        if text.startswith("ssh-rsa "):
            key = serialization.load_ssh_public_key(text.encode("latin-1"))
        elif text.startswith("-----BEGIN"):
            key = serialization.load_pem_public_key(text.encode("latin-1"))
        else:
            raise _unrecognized()
    except (ValueError, UnsupportedAlgorithm):
        raise _invalid() from None
    if not isinstance(key, rsa.RSAPublicKey):
        # A PEM key of another algorithm (EC, Ed25519): not ssh-rsa.
        raise _unrecognized()
    if key.key_size < MIN_BITS:
        raise _invalid()
    return ParsedKey(key, fingerprint(key))


def _wire(key: rsa.RSAPublicKey) -> bytes:
    """The key's SSH wire encoding (the base64 part of ``ssh-rsa AAAA...``)."""
    line = key.public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH)
    return base64.b64decode(line.split()[1])


def fingerprint(key: rsa.RSAPublicKey) -> str:
    """The MD5 fingerprint, e.g. ``c7:2e:...:91`` (16 hex pairs)."""
    digest = hashlib.md5(_wire(key), usedforsecurity=False).hexdigest()
    return ":".join(digest[i : i + 2] for i in range(0, len(digest), 2))


def encoded(body: str, encoding: str) -> str:
    """A stored key in the encoding GetSSHPublicKey asks for (``SSH`` or ``PEM``)."""
    text = body.strip()
    is_ssh = text.startswith("ssh-rsa ")
    if encoding == "SSH" and is_ssh:
        return text
    if encoding == "PEM" and not is_ssh:
        return text
    key = parse_public_key(text).key
    if encoding == "SSH":
        return key.public_bytes(
            serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH
        ).decode("ascii")
    return key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode("ascii")
