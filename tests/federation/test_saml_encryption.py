"""XML Encryption of SAML assertions, decrypted on its own (no server)."""

from __future__ import annotations

import base64

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from lxml import etree
from saml_idp import XENC, encrypt  # type: ignore[import-not-found]

from rolecall.federation.saml import encryption

ASSERTION = b'<saml:Assertion xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_a1"/>'


@pytest.fixture(scope="module")
def key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.mark.parametrize("algorithm", ["aes128-gcm", "aes256-gcm", "aes128-cbc", "aes256-cbc"])
def test_round_trip(key, algorithm: str) -> None:  # type: ignore[no-untyped-def]
    sealed = encrypt(etree.fromstring(ASSERTION), key.public_key(), algorithm)
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    # Every key of the provider is tried, in turn (rotation).
    assert etree.fromstring(encryption.decrypt(sealed, [other, key])).get("ID") == "_a1"


def _cipher_value(sealed: etree._Element) -> etree._Element:
    values = sealed.findall(f".//{{{XENC}}}CipherValue")
    return values[-1]  # the content's, after the wrapped key's


def test_every_failure_looks_the_same(key) -> None:  # type: ignore[no-untyped-def]
    failures = []
    # Tampered ciphertext, wrong key, unsupported key transport, not encryption at all.
    sealed = encrypt(etree.fromstring(ASSERTION), key.public_key(), "aes256-gcm")
    value = _cipher_value(sealed)
    raw = bytearray(base64.b64decode(value.text))
    raw[20] ^= 1
    value.text = base64.b64encode(bytes(raw)).decode()
    failures.append(sealed)
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    failures.append(encrypt(etree.fromstring(ASSERTION), stranger.public_key(), "aes256-gcm"))
    pkcs1 = encrypt(etree.fromstring(ASSERTION), key.public_key(), "aes256-gcm")
    method = pkcs1.find(f".//{{{XENC}}}EncryptedKey/{{{XENC}}}EncryptionMethod")
    method.set("Algorithm", f"{XENC}rsa-1_5")
    failures.append(pkcs1)
    failures.append(etree.fromstring(b"<x/>"))
    messages = set()
    for sealed in failures:
        with pytest.raises(encryption.DecryptionFailed) as exc:
            encryption.decrypt(sealed, [key])
        messages.add(str(exc.value))
    assert messages == {"The encrypted SAML assertion could not be decrypted."}


def test_cbc_is_only_decrypted_under_a_signature(key) -> None:  # type: ignore[no-untyped-def]
    sealed = encrypt(etree.fromstring(ASSERTION), key.public_key(), "aes128-cbc")
    with pytest.raises(encryption.UnauthenticatedCipher):
        encryption.decrypt(sealed, [key], allow_cbc=False)
    assert encryption.decrypt(sealed, [key], allow_cbc=True).startswith(b"<saml:Assertion")
