"""Verifying SAML 2.0 authentication responses as STS does for AssumeRoleWithSAML.

The input is the base64 ``SAMLResponse`` an IdP posts to AWS's sign-in endpoint
and the SAML metadata of the IAM provider that should have issued it.  Nothing
here does I/O or knows about STS errors: failures are :class:`InvalidResponse`
and its subclasses, whose messages are AWS's where AWS has one.

Safety:

* XML is parsed with DTDs, entities and network access refused (defusedxml
  first, then an lxml parser that resolves nothing).
* The signature is checked with signxml against the signing certificates of the
  provider's metadata only (never a certificate the response carries), SHA-1
  refused.  Either the ``Response`` or its ``Assertion`` may be signed.
* Every value is read from the element signxml returns as signed — re-parsed
  from the canonical bytes that were digested — never from the document as
  received, so content wrapped around or beside the signed element (signature
  wrapping) is never looked at.  A response holding more than one assertion, or
  any element whose ID is claimed twice, is refused outright.
* Times are checked against ``now`` (the server's clock, development clock
  included).
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import rsa
from defusedxml import DefusedXmlException
from defusedxml.ElementTree import ParseError
from defusedxml.ElementTree import fromstring as defused_fromstring
from lxml import etree  # type: ignore[import-untyped]
from signxml.exceptions import SignXMLException
from signxml.verifier import SignatureConfiguration, XMLVerifier

from . import encryption

SAMLP = "urn:oasis:names:tc:SAML:2.0:protocol"
SAML = "urn:oasis:names:tc:SAML:2.0:assertion"
MD = "urn:oasis:names:tc:SAML:2.0:metadata"
DS = "http://www.w3.org/2000/09/xmldsig#"
BEARER = "urn:oasis:names:tc:SAML:2.0:cm:bearer"
SUCCESS = "urn:oasis:names:tc:SAML:2.0:status:Success"
#: Recipients AWS accepts: the global and the regional sign-in endpoints, and the
#: per-provider ACS URL used for encrypted assertions.
_RECIPIENT = re.compile(
    r"https://(?:[a-z]{2}(?:-[a-z]+)+-\d\.)?signin\.aws\.amazon\.com/saml(?:/acs/[A-Za-z0-9]+)?"
)
_AUDIENCE = re.compile(
    r"urn:amazon:webservices|https://(?:[a-z]{2}(?:-[a-z]+)+-\d\.)?signin\.aws\.amazon\.com/saml"
)
#: How far ahead of the server's clock an IdP's clock may run (NotBefore, IssueInstant).
CLOCK_SKEW = 60
#: AWS refuses responses redeemed later than this after their IssueInstant.
REDEEM_WITHIN = 300
_FRACTION = re.compile(r"(\.\d+)")


class InvalidResponse(Exception):
    """The response is not a well-formed, authentic SAML response for AWS."""


class BadSignature(InvalidResponse):
    """No signature, or one the provider's certificates do not verify."""

    def __init__(self) -> None:
        super().__init__("Response signature invalid")


class UnknownIssuer(InvalidResponse):
    """The assertion's issuer is not the entity the provider's metadata describes."""

    def __init__(self) -> None:
        super().__init__("Issuer not present in specified provider")


class ExpiredResponse(InvalidResponse):
    """A validity period of the response has ended."""


class RejectedByIdp(InvalidResponse):
    """The IdP's own status says the authentication did not succeed."""


class Unsupported(InvalidResponse):
    """Valid SAML that rolecall does not accept (encrypted assertions)."""


class InvalidMetadata(Exception):
    """The provider's metadata names no usable identity provider."""


@dataclass(frozen=True, slots=True)
class IdentityProvider:
    """An IdP as its metadata describes it: entity id and signing certificates."""

    entity_id: str
    certificates: tuple[x509.Certificate, ...]


@dataclass(frozen=True, slots=True)
class Assertion:
    """What a verified assertion says (every value read from signed XML)."""

    issuer: str
    #: ``Subject/NameID`` and its ``Format`` (None when absent)
    subject: str | None
    subject_format: str | None
    #: ``SubjectConfirmationData/@Recipient``
    recipient: str
    audiences: tuple[str, ...]
    issue_instant: float
    #: the earliest ``AuthnStatement/@SessionNotOnOrAfter``, if any
    session_not_on_or_after: float | None
    #: attribute values by attribute ``Name`` (case-sensitive, as AWS matches them)
    attributes: Mapping[str, tuple[str, ...]] = field(default_factory=dict)


def _q(ns: str, tag: str) -> str:
    return f"{{{ns}}}{tag}"


def _time(value: str | None, what: str) -> float:
    """An xs:dateTime as a POSIX timestamp (UTC assumed when no zone is given)."""
    if value is None:
        raise InvalidResponse(f"The SAML response has no {what}.")
    text = value.strip()
    # Python parses at most six fractional digits; IdPs send up to nine.
    text = _FRACTION.sub(lambda m: m.group(1)[:7], text, count=1)
    try:
        stamp = datetime.fromisoformat(text)
    except ValueError:
        raise InvalidResponse(f"The SAML response's {what} is not a valid time.") from None
    if stamp.tzinfo is None:
        stamp = stamp.replace(tzinfo=UTC)
    return stamp.timestamp()


def _safe_parse(data: bytes | str, what: str) -> etree._Element:
    """Parse ``data`` refusing DTDs, entities and external resources."""
    try:
        defused_fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except (ParseError, DefusedXmlException, ValueError, SyntaxError):
        raise InvalidResponse(f"The {what} is not well-formed XML.") from None
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False
    )
    try:
        root = etree.fromstring(data.encode() if isinstance(data, str) else data, parser=parser)
    except (etree.XMLSyntaxError, ValueError):
        raise InvalidResponse(f"The {what} is not well-formed XML.") from None
    if root is None:
        raise InvalidResponse(f"The {what} is not well-formed XML.")
    return root


def identity_providers(metadata: str) -> list[IdentityProvider]:
    """The IdPs (entity id and signing certificates) a metadata document describes."""
    try:
        root = _safe_parse(metadata, "metadata")
    except InvalidResponse:
        raise InvalidMetadata("Could not parse metadata") from None
    if root.tag == _q(MD, "EntityDescriptor"):
        entities = [root]
    else:
        entities = list(root.iter(_q(MD, "EntityDescriptor")))
    found: list[IdentityProvider] = []
    for entity in entities:
        entity_id = entity.get("entityID")
        certs: list[x509.Certificate] = []
        for idp in entity.findall(_q(MD, "IDPSSODescriptor")):
            for descriptor in idp.findall(_q(MD, "KeyDescriptor")):
                if descriptor.get("use") not in (None, "signing"):
                    continue
                for element in descriptor.iter(_q(DS, "X509Certificate")):
                    text = "".join((element.text or "").split())
                    try:
                        certs.append(x509.load_der_x509_certificate(base64.b64decode(text)))
                    except (ValueError, binascii.Error):
                        raise InvalidMetadata("Could not parse metadata") from None
        if entity_id and entity.find(_q(MD, "IDPSSODescriptor")) is not None:
            found.append(IdentityProvider(entity_id, tuple(certs)))
    return found


def decode(saml_response: str) -> bytes:
    """The XML of a base64 ``SAMLResponse`` (whitespace and line breaks ignored)."""
    try:
        return base64.b64decode("".join(saml_response.split()), validate=True)
    except (binascii.Error, ValueError):
        raise InvalidResponse("The SAML response is not valid base64.") from None


def _text(element: etree._Element | None) -> str | None:
    if element is None or element.text is None:
        return None
    return str(element.text).strip()


def _verify(
    document: etree._Element, location: str, certificates: tuple[x509.Certificate, ...], now: float
) -> etree._Element:
    """The element the signature at ``location`` signs, verified by one of ``certificates``."""
    for cert in certificates:
        # Metadata certificates are pinned trust anchors: like other SAML service
        # providers, their validity period is not enforced (the provider's
        # ValidUntil is).  signxml checks it, so verify at a time it allows.
        moment = min(
            max(datetime.fromtimestamp(now, UTC), cert.not_valid_before_utc),
            cert.not_valid_after_utc,
        )
        # One reference, to the enveloping element; SHA-1 refused (signxml's defaults).
        config = SignatureConfiguration(
            location=location, expect_references=1, verification_time=moment
        )
        try:
            result = XMLVerifier().verify(document, x509_cert=cert, expect_config=config)
        except (SignXMLException, etree.LxmlError, ValueError, TypeError, KeyError):
            continue
        signed = result.signed_xml if not isinstance(result, list) else None
        if signed is not None:
            return signed
    raise BadSignature()


def _only_child_of_signed_response(
    root: etree._Element, provider: IdentityProvider, now: float, tag: str
) -> etree._Element:
    """The one ``saml:<tag>`` of the Response, taken from what its signature covers."""
    signed = _verify(root, "./", provider.certificates, now)
    if signed.tag != _q(SAMLP, "Response") or signed.get("ID") != root.get("ID"):
        raise BadSignature()
    inner = signed.findall(_q(SAML, tag))
    if len(inner) != 1 or len(list(signed.iter(_q(SAML, tag)))) != 1:
        raise BadSignature()
    return inner[0]


def _signed_assertion(
    root: etree._Element, provider: IdentityProvider, now: float
) -> etree._Element:
    """The assertion, as signed (the Response's signature or the Assertion's)."""
    assertion = root.find(_q(SAML, "Assertion"))
    if assertion is None:
        raise InvalidResponse("The SAML response has no assertion.")
    if not provider.certificates:
        raise BadSignature()
    if root.find(_q(DS, "Signature")) is not None:
        return _only_child_of_signed_response(root, provider, now, "Assertion")
    if assertion.find(_q(DS, "Signature")) is not None:
        signed = _verify(root, f"./{_q(SAML, 'Assertion')}/", provider.certificates, now)
        if signed.tag != _q(SAML, "Assertion") or signed.get("ID") != assertion.get("ID"):
            raise BadSignature()
        return signed
    raise BadSignature()


def verify(
    saml_response: str,
    metadata: str,
    *,
    now: float,
    decryption_keys: Sequence[rsa.RSAPrivateKey] = (),
    require_encryption: bool = False,
) -> Assertion:
    """The assertion of ``saml_response`` once signature, issuer and times check out.

    An ``EncryptedAssertion`` is decrypted with ``decryption_keys`` (the IAM
    provider's private keys); ``require_encryption`` refuses a plaintext one
    (AssertionEncryptionMode ``Required``).  Which roles, session name and tags
    the assertion grants is :mod:`.aws_attributes`' business.
    """
    root = _safe_parse(decode(saml_response), "SAML response")
    if root.tag != _q(SAMLP, "Response"):
        raise InvalidResponse("The SAML response is not a SAML 2.0 Response.")
    encrypted = list(root.iter(_q(SAML, "EncryptedAssertion")))
    plain = list(root.iter(_q(SAML, "Assertion")))
    direct = root.findall(_q(SAML, "EncryptedAssertion")) + root.findall(_q(SAML, "Assertion"))
    if len(encrypted) + len(plain) != 1 or len(direct) != 1:
        raise InvalidResponse("The SAML response must contain exactly one assertion.")
    if not encrypted and require_encryption:
        raise InvalidResponse("The SAML provider requires encrypted assertions.")
    _check_status(root)
    try:
        providers = identity_providers(metadata)
    except InvalidMetadata:
        raise UnknownIssuer() from None
    if encrypted:
        if not decryption_keys:
            raise Unsupported(
                "The SAML assertion is encrypted but the SAML provider has no private key "
                "to decrypt it (see UpdateSAMLProvider AddPrivateKey)."
            )
        # Only to pick the provider: what counts is re-read from signed XML below.
        if root.find(_q(DS, "Signature")) is not None:
            claimed = _text(root.find(_q(SAML, "Issuer")))
            if claimed is None and len(providers) == 1:
                claimed = providers[0].entity_id
        else:
            inside = _decrypted(encrypted[0], decryption_keys, signed=False)
            claimed = _text(inside.find(_q(SAML, "Issuer")))
    else:
        claimed = _text(root.find(f"{_q(SAML, 'Assertion')}/{_q(SAML, 'Issuer')}"))
    provider = next((p for p in providers if p.entity_id == claimed), None)
    if provider is None:
        raise UnknownIssuer()
    if encrypted:
        assertion = _signed_encrypted_assertion(root, provider, decryption_keys, now)
    else:
        assertion = _signed_assertion(root, provider, now)
    issuer = _text(assertion.find(_q(SAML, "Issuer")))
    if issuer != provider.entity_id:
        raise UnknownIssuer()
    return _read(assertion, issuer, now)


def _decrypted(
    encrypted: etree._Element, keys: Sequence[rsa.RSAPrivateKey], *, signed: bool
) -> etree._Element:
    """The assertion inside an EncryptedAssertion, parsed as safely as the response.

    ``signed`` says a verified Response signature covers ``encrypted``; without
    one only authenticated encryption (AES-GCM) is decrypted, and every failure
    reads the same.
    """
    try:
        plaintext = encryption.decrypt(encrypted, keys, allow_cbc=signed)
        assertion = _safe_parse(plaintext, "decrypted assertion")
    except encryption.UnauthenticatedCipher as exc:
        raise InvalidResponse(str(exc)) from None
    except (encryption.DecryptionFailed, InvalidResponse):
        raise InvalidResponse(str(encryption.DecryptionFailed())) from None
    if assertion.tag != _q(SAML, "Assertion"):
        raise InvalidResponse(str(encryption.DecryptionFailed()))
    return assertion


def _signed_encrypted_assertion(
    root: etree._Element,
    provider: IdentityProvider,
    keys: Sequence[rsa.RSAPrivateKey],
    now: float,
) -> etree._Element:
    """The decrypted assertion, as signed (the Response's signature or its own).

    With a signed Response, the EncryptedAssertion is taken from the element the
    signature covers, never from the document as received.
    """
    if not provider.certificates:
        raise BadSignature()
    if root.find(_q(DS, "Signature")) is not None:
        inner = _only_child_of_signed_response(root, provider, now, "EncryptedAssertion")
        return _decrypted(inner, keys, signed=True)
    assertion = _decrypted(root.find(_q(SAML, "EncryptedAssertion")), keys, signed=False)
    if assertion.find(_q(DS, "Signature")) is None:
        raise BadSignature()
    signed = _verify(assertion, "./", provider.certificates, now)
    if signed.tag != _q(SAML, "Assertion") or signed.get("ID") != assertion.get("ID"):
        raise BadSignature()
    return signed


def _check_status(root: etree._Element) -> None:
    code = root.find(f"{_q(SAMLP, 'Status')}/{_q(SAMLP, 'StatusCode')}")
    if code is None:
        return
    value = code.get("Value")
    if value != SUCCESS:
        raise RejectedByIdp(f"The identity provider reported that authentication failed: {value}")


def _read(assertion: etree._Element, issuer: str, now: float) -> Assertion:
    issued = _time(assertion.get("IssueInstant"), "IssueInstant")
    if issued > now + CLOCK_SKEW:
        raise InvalidResponse("The SAML response was issued in the future.")
    if now - issued > REDEEM_WITHIN:
        raise ExpiredResponse("Token must be redeemed within 5 minutes of issuance")

    subject = assertion.find(_q(SAML, "Subject"))
    name_id = subject.find(_q(SAML, "NameID")) if subject is not None else None
    confirmations = subject.findall(_q(SAML, "SubjectConfirmation")) if subject is not None else []
    if len(confirmations) != 1:
        raise InvalidResponse("The SAML assertion must have exactly one SubjectConfirmation.")
    if confirmations[0].get("Method") != BEARER:
        raise InvalidResponse("The SAML assertion's SubjectConfirmation method must be bearer.")
    data = confirmations[0].find(_q(SAML, "SubjectConfirmationData"))
    if data is None or data.get("Recipient") is None or data.get("NotOnOrAfter") is None:
        raise InvalidResponse(
            "The SAML assertion's SubjectConfirmationData must have a Recipient and a NotOnOrAfter."
        )
    recipient = str(data.get("Recipient")).strip()
    if not _RECIPIENT.fullmatch(recipient):
        raise InvalidResponse(
            f"The SAML assertion's Recipient {recipient} is not the AWS sign-in endpoint "
            "(https://signin.aws.amazon.com/saml or https://<region>.signin.aws.amazon.com/saml)."
        )
    if now >= _time(data.get("NotOnOrAfter"), "SubjectConfirmationData NotOnOrAfter"):
        raise ExpiredResponse("Response has expired")
    if data.get("NotBefore") is not None and now + CLOCK_SKEW < _time(
        data.get("NotBefore"), "SubjectConfirmationData NotBefore"
    ):
        raise InvalidResponse("Response is not yet valid")

    audiences = _check_conditions(assertion, now)

    session_end: float | None = None
    for statement in assertion.findall(_q(SAML, "AuthnStatement")):
        if statement.get("SessionNotOnOrAfter") is not None:
            end = _time(statement.get("SessionNotOnOrAfter"), "SessionNotOnOrAfter")
            session_end = end if session_end is None else min(session_end, end)

    attributes: dict[str, tuple[str, ...]] = {}
    for statement in assertion.findall(_q(SAML, "AttributeStatement")):
        for attribute in statement.findall(_q(SAML, "Attribute")):
            name = attribute.get("Name")
            if not name:
                continue
            values = tuple(
                "".join(v.itertext()).strip() for v in attribute.findall(_q(SAML, "AttributeValue"))
            )
            attributes[name] = attributes.get(name, ()) + values
    return Assertion(
        issuer=issuer,
        subject=_text(name_id) or None,
        subject_format=name_id.get("Format") if name_id is not None else None,
        recipient=recipient,
        audiences=audiences,
        issue_instant=issued,
        session_not_on_or_after=session_end,
        attributes=attributes,
    )


def _check_conditions(assertion: etree._Element, now: float) -> tuple[str, ...]:
    """Conditions: validity period and audience restrictions (all must be met)."""
    conditions = assertion.find(_q(SAML, "Conditions"))
    if conditions is None:
        raise InvalidResponse("The SAML assertion has no Conditions.")
    if conditions.get("NotOnOrAfter") is not None and now >= _time(
        conditions.get("NotOnOrAfter"), "Conditions NotOnOrAfter"
    ):
        raise ExpiredResponse("Response has expired")
    if conditions.get("NotBefore") is not None and now + CLOCK_SKEW < _time(
        conditions.get("NotBefore"), "Conditions NotBefore"
    ):
        raise InvalidResponse("Response is not yet valid")
    restrictions = conditions.findall(_q(SAML, "AudienceRestriction"))
    if not restrictions:
        raise InvalidResponse("The SAML assertion has no AudienceRestriction.")
    audiences: list[str] = []
    for restriction in restrictions:
        named = [_text(a) or "" for a in restriction.findall(_q(SAML, "Audience"))]
        if not any(_AUDIENCE.fullmatch(a) for a in named):
            raise InvalidResponse(
                "The SAML assertion's audience must be https://signin.aws.amazon.com/saml "
                "or urn:amazon:webservices."
            )
        audiences.extend(named)
    return tuple(audiences)
