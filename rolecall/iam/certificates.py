"""X.509 certificates and private keys as IAM checks them on upload.

Signing certificates and server certificates are PEM-encoded X.509
certificates; a server certificate comes with its PEM private key (which must
match the certificate's public key) and an optional chain, which must start with
the certificate that issued the body and continue in issuing order.
"""

from __future__ import annotations

import base64
import hashlib
import re
from dataclasses import dataclass
from datetime import datetime

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization

from rolecall.protocol.errors import AWSError

_PEM_CERT = re.compile(r"-----BEGIN CERTIFICATE-----[\sA-Za-z0-9+/=]+?-----END CERTIFICATE-----")


class MalformedCertificate(AWSError):
    """The certificate is malformed or expired (the message says which)."""

    code = "MalformedCertificate"
    status = 400


class InvalidCertificate(AWSError):
    """The certificate is invalid."""

    code = "InvalidCertificate"
    status = 400


class DuplicateCertificate(AWSError):
    """The same certificate is already associated with a user of the account."""

    code = "DuplicateCertificate"
    status = 409


class KeyPairMismatch(AWSError):
    """The certificate's public key and the private key do not match."""

    code = "KeyPairMismatch"
    status = 400


@dataclass(frozen=True, slots=True)
class ParsedCertificate:
    """A parsed certificate and the facts IAM reports about it."""

    cert: x509.Certificate
    not_after: datetime
    #: SHA-1 of the DER encoding (a certificate's conventional identity)
    sha1: bytes


def _malformed_body() -> MalformedCertificate:
    return MalformedCertificate(
        "Unable to parse certificate. Please ensure the certificate is in PEM format."
    )


def _load(pem: str) -> x509.Certificate:
    try:
        return x509.load_pem_x509_certificate(pem.strip().encode("latin-1"))
    except (ValueError, UnsupportedAlgorithm):
        raise _malformed_body() from None


def parse_certificate(body: str) -> ParsedCertificate:
    """One PEM certificate (exactly one), or MalformedCertificate."""
    blocks = _PEM_CERT.findall(body)
    if len(blocks) != 1:
        raise _malformed_body()
    cert = _load(blocks[0])
    der = cert.public_bytes(serialization.Encoding.DER)
    return ParsedCertificate(
        cert, cert.not_valid_after_utc, hashlib.sha1(der, usedforsecurity=False).digest()
    )


def signing_certificate_id(parsed: ParsedCertificate) -> str:
    """A signing certificate's id: 32 base32 characters derived from the certificate."""
    return base64.b32encode(parsed.sha1).decode("ascii")


def _issued_by(cert: x509.Certificate, issuer: x509.Certificate) -> bool:
    try:
        cert.verify_directly_issued_by(issuer)
    except (ValueError, TypeError, InvalidSignature, UnsupportedAlgorithm):
        return False
    return True


def check_chain(body: ParsedCertificate, chain: str) -> None:
    """The chain must start with the body's issuer and go on in issuing order."""
    blocks = _PEM_CERT.findall(chain)
    if not blocks:
        raise MalformedCertificate("Unable to parse certificate chain.")
    certs = [_load(b) for b in blocks]
    previous = body.cert
    # AWS names the offending certificate's index within the chain (-1: the body).
    for index, cert in enumerate(certs):
        if not _issued_by(previous, cert):
            raise MalformedCertificate(
                "Unable to validate certificate chain. The certificate chain must start "
                "with the immediate signing certificate, followed by any intermediaries in "
                f"order. The index within the chain of the invalid certificate is: {index - 1}"
            )
        previous = cert


def check_private_key(body: ParsedCertificate, pem: str) -> None:
    """The (unencrypted PEM) private key must belong to the certificate."""
    try:
        key = serialization.load_pem_private_key(pem.strip().encode("latin-1"), password=None)
    except (ValueError, TypeError, UnsupportedAlgorithm):
        raise MalformedCertificate(
            "Unable to parse private key. Please ensure the private key is unencrypted "
            "and in PEM format."
        ) from None
    public = serialization.PublicFormat.SubjectPublicKeyInfo
    der = serialization.Encoding.DER
    if key.public_key().public_bytes(der, public) != body.cert.public_key().public_bytes(
        der, public
    ):
        raise KeyPairMismatch("The private key did not match the public key provided.")
