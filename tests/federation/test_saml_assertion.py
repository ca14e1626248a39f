"""rolecall.federation.saml.assertion on its own: signatures, wrapping, times, attributes."""

from __future__ import annotations

import base64
import copy
import time

import pytest
from cryptography.hazmat.primitives import serialization
from lxml import etree
from saml_idp import ATTR, DS, MD, SamlIdp, find, signing_pair  # type: ignore[import-not-found]
from signxml import XMLSigner

from rolecall.federation.saml import assertion as saml
from rolecall.federation.saml import aws_attributes

ROLE = "arn:aws:iam::123456789012:role/R"
PROVIDER = "arn:aws:iam::123456789012:saml-provider/P"


class Sha1Signer(XMLSigner):  # type: ignore[misc]
    """signxml refuses to sign with SHA-1 unless told otherwise."""

    def check_deprecated_methods(self) -> None:
        return None


@pytest.fixture(scope="module")
def idp() -> SamlIdp:
    return SamlIdp()


def test_a_signed_assertion_is_read(idp: SamlIdp) -> None:
    now = time.time()
    response = idp.response(
        ROLE,
        PROVIDER,
        now=now,
        session_not_on_or_after=now + 1800,
        attributes={
            "urn:oid:1.3.6.1.4.1.5923.1.1.1.1": ["staff", "member"],
            "urn:oid:0.9.2342.19200300100.1.3": ["alice@example.test", "other@example.test"],
            ATTR + "PrincipalTag:Team": ["blue"],
            ATTR + "TransitiveTagKeys": ["Team"],
        },
    )
    found = saml.verify(response, idp.metadata(), now=now + 10)
    assert found.issuer == idp.entity_id
    assert (found.subject, found.subject_format) == (
        "alice",
        "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent",
    )
    assert found.recipient == "https://signin.aws.amazon.com/saml"
    assert found.audiences == ("https://signin.aws.amazon.com/saml",)
    assert found.session_not_on_or_after == pytest.approx(now + 1800, abs=0.01)
    assert aws_attributes.role_pairs(found) == {(ROLE, PROVIDER)}
    assert aws_attributes.session_name(found) == "alice"
    assert aws_attributes.session_tags(found) == ((("Team", "blue"),), ("Team",))
    assert aws_attributes.attribute_keys(found) == {
        "saml:edupersonaffiliation": ("staff", "member"),
        "saml:mail": ("alice@example.test",),
    }


def test_role_pairs_in_either_order_and_malformed_values_ignored(idp: SamlIdp) -> None:
    response = idp.response(roles=[f"{PROVIDER},{ROLE}", "garbage", f" {ROLE}2 , {PROVIDER} "])
    found = saml.verify(response, idp.metadata(), now=time.time())
    assert aws_attributes.role_pairs(found) == {(ROLE, PROVIDER), (ROLE + "2", PROVIDER)}


def test_values_come_from_the_signed_bytes(idp: SamlIdp) -> None:
    # A comment inside the NameID is not signed (exclusive c14n drops it); a
    # parser reading the received document would see only the text before it.
    def split(root: etree._Element) -> None:
        name_id = find(root, "saml:Assertion/saml:Subject/saml:NameID")
        name_id.text = "admin@corp.example"
        comment = etree.Comment("x")
        comment.tail = ".evil.test"
        name_id.append(comment)

    response = idp.response(ROLE, PROVIDER, subject="admin@corp.example.evil.test", after=split)
    found = saml.verify(response, idp.metadata(), now=time.time())
    assert found.subject == "admin@corp.example.evil.test"


def test_signature_wrapping_is_refused(idp: SamlIdp) -> None:
    def move_signed_response_aside(root: etree._Element) -> None:
        # The signed Response's content inside its own signature, an edited
        # assertion in the visible document.
        signature = find(root, "ds:Signature")
        find(root, "saml:Assertion/saml:Subject/saml:NameID").text = "admin"
        etree.SubElement(signature, f"{{{DS}}}Object")

    response = idp.response(ROLE, PROVIDER, sign="response", after=move_signed_response_aside)
    with pytest.raises(saml.BadSignature):
        saml.verify(response, idp.metadata(), now=time.time())

    def duplicate_id(root: etree._Element) -> None:
        genuine = find(root, "saml:Assertion")
        twin = copy.deepcopy(genuine)
        twin.remove(find(twin, "ds:Signature"))
        find(root, "samlp:Status").append(twin)

    response = idp.response(ROLE, PROVIDER, after=duplicate_id)
    with pytest.raises(saml.InvalidResponse, match="exactly one assertion"):
        saml.verify(response, idp.metadata(), now=time.time())


def test_signature_algorithms_and_certificates(idp: SamlIdp) -> None:
    # SHA-1 signatures are refused.
    good = idp.response(ROLE, PROVIDER)
    root = etree.fromstring(base64.b64decode(good))
    assertion = find(root, "saml:Assertion")
    assertion.remove(find(assertion, "ds:Signature"))
    signer = Sha1Signer(
        signature_algorithm="rsa-sha1",
        digest_algorithm="sha1",
        c14n_algorithm="http://www.w3.org/2001/10/xml-exc-c14n#",
    )
    pem = idp.key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    signed = signer.sign(assertion, key=pem, cert=[idp.cert], reference_uri=assertion.get("ID"))
    root.replace(assertion, signed)
    sha1 = base64.b64encode(etree.tostring(root)).decode()
    with pytest.raises(saml.BadSignature):
        saml.verify(sha1, idp.metadata(), now=time.time())
    # An expired metadata certificate still verifies: it is a pinned key.
    key, cert = signing_pair("old", days=30, start_days=-400)
    old = SamlIdp(key=key, cert=cert)
    saml.verify(old.response(ROLE, PROVIDER), old.metadata(), now=time.time())
    # The signer's own certificate in KeyInfo is never trusted.
    stranger_key, stranger_cert = signing_pair("stranger")
    forged = idp.response(ROLE, PROVIDER, key=stranger_key, cert=stranger_cert)
    with pytest.raises(saml.BadSignature):
        saml.verify(forged, idp.metadata(), now=time.time())


def test_metadata_entities(idp: SamlIdp) -> None:
    other = SamlIdp()
    inner = [m.split("?>", 1)[1] for m in (other.metadata(), idp.metadata())]
    document = f'<md:EntitiesDescriptor xmlns:md="{MD}">{"".join(inner)}</md:EntitiesDescriptor>'
    providers = saml.identity_providers(document)
    assert [p.entity_id for p in providers] == [other.entity_id, idp.entity_id]
    saml.verify(idp.response(ROLE, PROVIDER), document, now=time.time())
    with pytest.raises(saml.UnknownIssuer):
        saml.verify(idp.response(ROLE, PROVIDER), other.metadata(), now=time.time())
    assert saml.identity_providers(idp.metadata(use="encryption"))[0].certificates == ()


def test_times(idp: SamlIdp) -> None:
    now = time.time()
    response = idp.response(ROLE, PROVIDER, now=now, lifetime=120)
    saml.verify(response, idp.metadata(), now=now + 119)
    with pytest.raises(saml.ExpiredResponse, match="Response has expired"):
        saml.verify(response, idp.metadata(), now=now + 120)
    with pytest.raises(saml.InvalidResponse, match="issued in the future"):
        saml.verify(response, idp.metadata(), now=now - 3600)
    # A little IdP clock skew is tolerated.
    saml.verify(response, idp.metadata(), now=now - 30)
    long_lived = idp.response(ROLE, PROVIDER, now=now, lifetime=3600)
    with pytest.raises(saml.ExpiredResponse, match="within 5 minutes"):
        saml.verify(long_lived, idp.metadata(), now=now + 301)


def test_aws_attribute_rules(idp: SamlIdp) -> None:
    def read(**kw: object) -> saml.Assertion:
        return saml.verify(idp.response(ROLE, PROVIDER, **kw), idp.metadata(), now=time.time())  # type: ignore[arg-type]

    with pytest.raises(saml.InvalidResponse, match="RoleSessionName is required"):
        aws_attributes.session_name(read(session_name=None))
    with pytest.raises(saml.InvalidResponse, match="must match"):
        aws_attributes.session_name(read(session_name="x"))
    assert aws_attributes.session_duration(read()) is None
    assert (
        aws_attributes.session_duration(read(attributes={ATTR + "SessionDuration": ["43200"]}))
        == 43200
    )
    with pytest.raises(saml.InvalidResponse):
        aws_attributes.session_duration(read(attributes={ATTR + "SessionDuration": ["43201"]}))
    with pytest.raises(saml.InvalidResponse):
        aws_attributes.session_tags(read(attributes={ATTR + "PrincipalTag:a": []}))
    assert (
        aws_attributes.source_identity(read(attributes={ATTR + "SourceIdentity": ["me"]})) == "me"
    )
    found = read(subject=None)
    assert found.subject is None
    with pytest.raises(saml.InvalidResponse, match="Recipient"):
        read(recipient="https://signin.aws.amazon.com/saml/../evil")
    read(recipient="https://signin.aws.amazon.com/saml/acs/SAMLSP4SHN3UIS2D558H46")
    with pytest.raises(saml.InvalidResponse, match="AudienceRestriction"):
        read(audience=None)


def test_not_a_response() -> None:
    for data in ("", "@@@", base64.b64encode(b"<x/>").decode(), base64.b64encode(b"<x").decode()):
        with pytest.raises(saml.InvalidResponse):
            saml.verify(data, SamlIdp().metadata(), now=time.time())
