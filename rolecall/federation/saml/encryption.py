"""Decrypting a SAML ``EncryptedAssertion`` (XML Encryption 1.1, the subset IdPs use).

AWS accepts encrypted assertions when the IAM SAML provider holds a private key
(``AddPrivateKey``; at most two, so keys can rotate).  An IdP encrypts the
assertion with a fresh AES key (``EncryptedData``: AES-GCM or AES-CBC) and
encrypts that key for the provider's certificate (``EncryptedKey``: RSA-OAEP).

Hand-written because no maintained Python library decrypts XML Encryption
without native libxmlsec1 (whose bundled libxml2 conflicts with lxml's); the
cryptography itself is the ``cryptography`` package's.  Only RSA-OAEP is
accepted for the key (RSA PKCS#1 v1.5 key transport invites Bleichenbacher's
attack), and every failure -- wrong key, bad padding, bad tag, malformed XML --
raises the same error, so a response cannot be used as a decryption oracle.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from lxml import etree  # type: ignore[import-untyped]

XENC = "http://www.w3.org/2001/04/xmlenc#"
XENC11 = "http://www.w3.org/2009/xmlenc11#"
DS = "http://www.w3.org/2000/09/xmldsig#"

#: Content encryption: algorithm URI -> (mode, key length in bytes).
CONTENT_ALGORITHMS = {
    f"{XENC}aes128-cbc": ("cbc", 16),
    f"{XENC}aes192-cbc": ("cbc", 24),
    f"{XENC}aes256-cbc": ("cbc", 32),
    f"{XENC11}aes128-gcm": ("gcm", 16),
    f"{XENC11}aes192-gcm": ("gcm", 24),
    f"{XENC11}aes256-gcm": ("gcm", 32),
}
#: Key transport: RSA-OAEP with MGF1-SHA1 (xmlenc 1.0), or with a stated digest (1.1).
KEY_TRANSPORT = {f"{XENC}rsa-oaep-mgf1p", f"{XENC11}rsa-oaep"}
#: OAEP's default digest and mask function.  SHA-1 is safe here: OAEP does not
#: rely on collision resistance, and rsa-oaep-mgf1p mandates it.
_SHA1 = hashes.SHA1()  # noqa: S303
_DIGESTS: dict[str, hashes.HashAlgorithm] = {
    "http://www.w3.org/2000/09/xmldsig#sha1": _SHA1,
    "http://www.w3.org/2001/04/xmlenc#sha256": hashes.SHA256(),
    "http://www.w3.org/2001/04/xmldsig-more#sha384": hashes.SHA384(),
    "http://www.w3.org/2001/04/xmlenc#sha512": hashes.SHA512(),
}
_MGFS: dict[str, hashes.HashAlgorithm] = {
    f"{XENC11}mgf1sha1": _SHA1,
    f"{XENC11}mgf1sha256": hashes.SHA256(),
    f"{XENC11}mgf1sha384": hashes.SHA384(),
    f"{XENC11}mgf1sha512": hashes.SHA512(),
}


class DecryptionFailed(Exception):
    """The encrypted assertion could not be decrypted with any of the provider's keys."""

    def __init__(self) -> None:
        super().__init__("The encrypted SAML assertion could not be decrypted.")


class UnauthenticatedCipher(Exception):
    """AES-CBC content that no signature covers (it could be used as an oracle)."""

    def __init__(self) -> None:
        super().__init__(
            "An AES-CBC encrypted assertion must be inside a signed Response; "
            "use AES-GCM, or sign the Response."
        )


def decrypt(
    encrypted_assertion: etree._Element,
    keys: Sequence[rsa.RSAPrivateKey],
    *,
    allow_cbc: bool = True,
) -> bytes:
    """The plaintext (the ``saml:Assertion`` XML) of an ``EncryptedAssertion``.

    ``allow_cbc`` false refuses AES-CBC content: unauthenticated ciphertext that
    an attacker may alter is only safe to decrypt when a verified signature
    already covers it (otherwise padding and parse errors leak the plaintext).
    """
    try:
        return _decrypt(encrypted_assertion, keys, allow_cbc)
    except (ValueError, TypeError, KeyError, binascii.Error, InvalidTag):
        raise DecryptionFailed() from None


def _decrypt(
    encrypted_assertion: etree._Element, keys: Sequence[rsa.RSAPrivateKey], allow_cbc: bool
) -> bytes:
    data = _one(encrypted_assertion, f"{{{XENC}}}EncryptedData")
    mode, size = CONTENT_ALGORITHMS[_algorithm(data)]
    if mode == "cbc" and not allow_cbc:
        raise UnauthenticatedCipher()
    # The EncryptedKey sits in EncryptedData's KeyInfo or beside EncryptedData.
    wrapped_key = data.find(f"{{{DS}}}KeyInfo/{{{XENC}}}EncryptedKey")
    if wrapped_key is None:
        wrapped_key = _one(encrypted_assertion, f"{{{XENC}}}EncryptedKey")
    oaep = _oaep(wrapped_key)
    wrapped = _cipher_value(wrapped_key)
    content_key = None
    for key in keys:
        try:
            content_key = key.decrypt(wrapped, oaep)
            break
        except ValueError:
            continue
    if content_key is None or len(content_key) != size:
        raise ValueError("no key fits")
    ciphertext = _cipher_value(data)
    if mode == "gcm":
        # IV (96 bits) || ciphertext || tag (128 bits), as XML Encryption 1.1 lays it out.
        return AESGCM(content_key).decrypt(ciphertext[:12], ciphertext[12:], None)
    iv, body = ciphertext[:16], ciphertext[16:]
    if not body or len(body) % 16:
        raise ValueError("bad CBC length")
    decryptor = Cipher(algorithms.AES(content_key), modes.CBC(iv)).decryptor()
    plain = decryptor.update(body) + decryptor.finalize()
    # XML Encryption padding: the last byte says how many bytes to drop (1..16).
    pad = plain[-1]
    if not 1 <= pad <= 16:
        raise ValueError("bad padding")
    return plain[:-pad]


def _one(parent: etree._Element, tag: str) -> etree._Element:
    found = parent.findall(tag)
    if len(found) != 1:
        raise ValueError(f"expected one {tag}")
    return found[0]


def _algorithm(element: etree._Element) -> str:
    return str(_one(element, f"{{{XENC}}}EncryptionMethod").get("Algorithm") or "")


def _oaep(wrapped_key: etree._Element) -> padding.OAEP:
    method = _one(wrapped_key, f"{{{XENC}}}EncryptionMethod")
    algorithm = method.get("Algorithm")
    if algorithm not in KEY_TRANSPORT:
        raise ValueError("unsupported key transport")
    digest_el = method.find(f"{{{DS}}}DigestMethod")
    digest = _DIGESTS[digest_el.get("Algorithm")] if digest_el is not None else _SHA1
    mgf: hashes.HashAlgorithm = _SHA1
    mgf_el = method.find(f"{{{XENC11}}}MGF")
    if algorithm == f"{XENC11}rsa-oaep" and mgf_el is not None:
        mgf = _MGFS[mgf_el.get("Algorithm")]
    return padding.OAEP(mgf=padding.MGF1(mgf), algorithm=digest, label=None)


def _cipher_value(element: etree._Element) -> bytes:
    value = _one(_one(element, f"{{{XENC}}}CipherData"), f"{{{XENC}}}CipherValue")
    return base64.b64decode("".join((value.text or "").split()), validate=True)
