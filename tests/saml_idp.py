"""A SAML 2.0 identity provider for tests.

An RSA key and a self-signed certificate, the IdP metadata an IAM SAML provider
is created from, and base64 ``SAMLResponse`` documents shaped like the ones real
IdPs post to AWS's sign-in endpoint, signed with signxml's XMLSigner (exclusive
canonicalization, RSA-SHA256).  Every part can be altered or left out, and
``after`` edits the XML after signing, to build the forgeries tests refuse.
"""

from __future__ import annotations

import base64
import datetime as dt
import os
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.x509.oid import NameOID
from lxml import etree
from signxml import XMLSigner

SAMLP = "urn:oasis:names:tc:SAML:2.0:protocol"
SAML = "urn:oasis:names:tc:SAML:2.0:assertion"
MD = "urn:oasis:names:tc:SAML:2.0:metadata"
DS = "http://www.w3.org/2000/09/xmldsig#"
EXC_C14N = "http://www.w3.org/2001/10/xml-exc-c14n#"
AWS_SIGNIN = "https://signin.aws.amazon.com/saml"
ATTR = "https://aws.amazon.com/SAML/Attributes/"
PERSISTENT = "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent"
NSMAP = {"samlp": SAMLP, "saml": SAML}


def signing_pair(
    common: str = "rolecall test IdP", *, days: int = 365, start_days: int = -1
) -> tuple[rsa.RSAPrivateKey, x509.Certificate]:
    """An RSA key and a self-signed certificate for it."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common)])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now + dt.timedelta(days=start_days))
        .not_valid_after(now + dt.timedelta(days=start_days + days))
        .sign(key, hashes.SHA256())
    )
    return key, cert


def _stamp(when: float) -> str:
    return dt.datetime.fromtimestamp(when, dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def _b64_cert(cert: x509.Certificate) -> str:
    return base64.b64encode(cert.public_bytes(serialization.Encoding.DER)).decode()


@dataclass
class SamlIdp:
    """One identity provider: an entity id and its signing key."""

    entity_id: str = field(
        default_factory=lambda: f"https://idp-{uuid.uuid4().hex[:8]}.example.test"
    )
    key: Any = None
    cert: Any = None

    def __post_init__(self) -> None:
        if self.key is None:
            self.key, self.cert = signing_pair()

    def metadata(
        self,
        *,
        certs: Sequence[x509.Certificate] | None = None,
        entity_id: str | None = None,
        use: str | None = "signing",
    ) -> str:
        """IdP metadata (longer than IAM's 1000-character minimum)."""
        key_descriptors = "".join(
            f"<md:KeyDescriptor{f' use={chr(34)}{use}{chr(34)}' if use else ''}>"
            f"<ds:KeyInfo><ds:X509Data><ds:X509Certificate>{_b64_cert(c)}"
            "</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>"
            for c in (certs if certs is not None else [self.cert])
        )
        eid = entity_id or self.entity_id
        return (
            '<?xml version="1.0" encoding="UTF-8"?>'
            f'<md:EntityDescriptor xmlns:md="{MD}" xmlns:ds="{DS}" entityID="{eid}">'
            '<md:IDPSSODescriptor WantAuthnRequestsSigned="false" '
            'protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">'
            f"{key_descriptors}"
            f"<md:NameIDFormat>{PERSISTENT}</md:NameIDFormat>"
            "<md:NameIDFormat>urn:oasis:names:tc:SAML:2.0:nameid-format:transient</md:NameIDFormat>"
            '<md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" '
            f'Location="{eid}/sso/post"/>'
            '<md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" '
            f'Location="{eid}/sso/redirect"/>'
            "</md:IDPSSODescriptor>"
            '<md:Organization><md:OrganizationName xml:lang="en">rolecall tests</md:OrganizationName>'
            '<md:OrganizationDisplayName xml:lang="en">rolecall test identity provider'
            "</md:OrganizationDisplayName>"
            '<md:OrganizationURL xml:lang="en">https://example.test/</md:OrganizationURL>'
            "</md:Organization></md:EntityDescriptor>"
        )

    def response(
        self,
        role_arn: str | None = None,
        provider_arn: str | None = None,
        *,
        subject: str | None = "alice",
        name_id_format: str | None = PERSISTENT,
        session_name: str | None = "alice",
        recipient: str | None = AWS_SIGNIN,
        audience: str | None = AWS_SIGNIN,
        issuer: str | None = None,
        now: float | None = None,
        lifetime: float = 300,
        issued_ago: float = 0,
        session_not_on_or_after: float | None = None,
        attributes: Mapping[str, Sequence[str]] | None = None,
        roles: Sequence[str] | None = None,
        sign: str = "assertion",
        key: Any = None,
        cert: Any = None,
        status: str = "urn:oasis:names:tc:SAML:2.0:status:Success",
        after: Callable[[etree._Element], None] | None = None,
        encrypt_to: Any = None,
        content_algorithm: str = "aes256-gcm",
    ) -> str:
        """A base64 SAMLResponse.

        ``sign`` is "assertion", "response", "both" or "none".  ``encrypt_to`` (an
        RSA public key) wraps the (signed) assertion in an EncryptedAssertion.  ``roles`` replaces
        the Role attribute values (default: "role_arn,provider_arn").  Times are
        relative to ``now`` (default: the wall clock).
        """
        now = time.time() if now is None else now
        issued = now - issued_ago
        issuer = issuer or self.entity_id
        response_id = "_r" + uuid.uuid4().hex
        assertion_id = "_a" + uuid.uuid4().hex
        root = etree.Element(
            f"{{{SAMLP}}}Response",
            nsmap=NSMAP,
            ID=response_id,
            Version="2.0",
            IssueInstant=_stamp(issued),
            Destination=recipient or AWS_SIGNIN,
        )
        etree.SubElement(root, f"{{{SAML}}}Issuer").text = issuer
        status_el = etree.SubElement(root, f"{{{SAMLP}}}Status")
        etree.SubElement(status_el, f"{{{SAMLP}}}StatusCode", Value=status)

        assertion = etree.Element(
            f"{{{SAML}}}Assertion",
            nsmap={"saml": SAML},
            ID=assertion_id,
            Version="2.0",
            IssueInstant=_stamp(issued),
        )
        etree.SubElement(assertion, f"{{{SAML}}}Issuer").text = issuer
        subject_el = etree.SubElement(assertion, f"{{{SAML}}}Subject")
        if subject is not None:
            name_id = etree.SubElement(subject_el, f"{{{SAML}}}NameID")
            name_id.text = subject
            if name_id_format is not None:
                name_id.set("Format", name_id_format)
        confirmation = etree.SubElement(
            subject_el,
            f"{{{SAML}}}SubjectConfirmation",
            Method="urn:oasis:names:tc:SAML:2.0:cm:bearer",
        )
        data = etree.SubElement(
            confirmation,
            f"{{{SAML}}}SubjectConfirmationData",
            NotOnOrAfter=_stamp(issued + lifetime),
        )
        if recipient is not None:
            data.set("Recipient", recipient)
        conditions = etree.SubElement(
            assertion,
            f"{{{SAML}}}Conditions",
            NotBefore=_stamp(issued - 5),
            NotOnOrAfter=_stamp(issued + lifetime),
        )
        if audience is not None:
            restriction = etree.SubElement(conditions, f"{{{SAML}}}AudienceRestriction")
            etree.SubElement(restriction, f"{{{SAML}}}Audience").text = audience
        authn = etree.SubElement(
            assertion,
            f"{{{SAML}}}AuthnStatement",
            AuthnInstant=_stamp(issued),
            SessionIndex=assertion_id,
        )
        if session_not_on_or_after is not None:
            authn.set("SessionNotOnOrAfter", _stamp(session_not_on_or_after))
        context = etree.SubElement(authn, f"{{{SAML}}}AuthnContext")
        etree.SubElement(
            context, f"{{{SAML}}}AuthnContextClassRef"
        ).text = "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport"
        values: dict[str, Sequence[str]] = {}
        if roles is not None:
            values[ATTR + "Role"] = roles
        elif role_arn is not None and provider_arn is not None:
            values[ATTR + "Role"] = [f"{role_arn},{provider_arn}"]
        if session_name is not None:
            values[ATTR + "RoleSessionName"] = [session_name]
        values.update(attributes or {})
        statement = etree.SubElement(assertion, f"{{{SAML}}}AttributeStatement")
        for name, given in values.items():
            attribute = etree.SubElement(statement, f"{{{SAML}}}Attribute", Name=name)
            for value in given:
                etree.SubElement(attribute, f"{{{SAML}}}AttributeValue").text = value

        signer = XMLSigner(c14n_algorithm=EXC_C14N)
        key = key if key is not None else self.key
        cert = cert if cert is not None else self.cert
        pem_key = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        pem_cert = cert.public_bytes(serialization.Encoding.PEM).decode()
        if sign in ("assertion", "both"):
            _placeholder(assertion)
            assertion = signer.sign(
                assertion, key=pem_key, cert=pem_cert, reference_uri=assertion_id
            )
        root.append(encrypt(assertion, encrypt_to, content_algorithm) if encrypt_to else assertion)
        if sign in ("response", "both"):
            _placeholder(root)
            root = signer.sign(root, key=pem_key, cert=pem_cert, reference_uri=response_id)
        if after is not None:
            after(root)
        return base64.b64encode(
            etree.tostring(root, xml_declaration=True, encoding="UTF-8")
        ).decode()


XENC = "http://www.w3.org/2001/04/xmlenc#"
XENC11 = "http://www.w3.org/2009/xmlenc11#"


def encrypt(assertion: etree._Element, public_key: Any, algorithm: str) -> etree._Element:
    """An EncryptedAssertion as IdPs make them: AES content key wrapped with RSA-OAEP."""
    plaintext = etree.tostring(assertion)
    size = int(algorithm[3:6]) // 8
    key = os.urandom(size)
    if algorithm.endswith("gcm"):
        iv = os.urandom(12)
        ciphertext = iv + AESGCM(key).encrypt(iv, plaintext, None)
        uri = f"{XENC11}{algorithm}"
    else:
        iv = os.urandom(16)
        pad = 16 - len(plaintext) % 16
        padded = plaintext + os.urandom(pad - 1) + bytes([pad])
        encryptor = Cipher(algorithms.AES(key), modes.CBC(iv)).encryptor()
        ciphertext = iv + encryptor.update(padded) + encryptor.finalize()
        uri = f"{XENC}{algorithm}"
    wrapped = public_key.encrypt(
        key,
        padding.OAEP(mgf=padding.MGF1(hashes.SHA1()), algorithm=hashes.SHA1(), label=None),
    )
    outer = etree.Element(f"{{{SAML}}}EncryptedAssertion", nsmap={"saml": SAML})
    data = etree.SubElement(
        outer,
        f"{{{XENC}}}EncryptedData",
        nsmap={"xenc": XENC},
        Type=f"{XENC}Element",
    )
    etree.SubElement(data, f"{{{XENC}}}EncryptionMethod", Algorithm=uri)
    info = etree.SubElement(data, f"{{{DS}}}KeyInfo", nsmap={"ds": DS})
    encrypted_key = etree.SubElement(info, f"{{{XENC}}}EncryptedKey")
    method = etree.SubElement(
        encrypted_key, f"{{{XENC}}}EncryptionMethod", Algorithm=f"{XENC}rsa-oaep-mgf1p"
    )
    etree.SubElement(method, f"{{{DS}}}DigestMethod", Algorithm=f"{DS}sha1")
    key_data = etree.SubElement(encrypted_key, f"{{{XENC}}}CipherData")
    etree.SubElement(key_data, f"{{{XENC}}}CipherValue").text = base64.b64encode(wrapped).decode()
    cipher_data = etree.SubElement(data, f"{{{XENC}}}CipherData")
    etree.SubElement(cipher_data, f"{{{XENC}}}CipherValue").text = base64.b64encode(
        ciphertext
    ).decode()
    return outer


def _placeholder(element: etree._Element) -> None:
    """Where signxml puts the signature: right after the Issuer, as SAML's schema wants."""
    element.insert(1, etree.Element(f"{{{DS}}}Signature", Id="placeholder", nsmap={"ds": DS}))


def find(root: etree._Element, path: str) -> etree._Element:
    """The first element at ``path`` (prefixes samlp, saml, ds)."""
    found = root.find(path, namespaces={**NSMAP, "ds": DS})
    if found is None:
        raise LookupError(path)
    return found


def xml_of(response: str) -> bytes:
    return base64.b64decode(response)
