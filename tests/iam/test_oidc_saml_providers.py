"""OIDC and SAML identity provider records through boto3 and the AWS CLI."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from identity_helpers import aws_cli

THUMB = "a" * 40
CERT = base64.b64encode(b"not a real certificate, only its place in the document " * 12).decode()


def _error(exc: pytest.ExceptionInfo[ClientError]) -> tuple[str, int, str]:
    response = exc.value.response
    return (
        response["Error"]["Code"],
        response["ResponseMetadata"]["HTTPStatusCode"],
        response["Error"]["Message"],
    )


def saml_metadata(
    valid_until: str | None = "2031-05-04T03:02:01Z", entity: str = "https://idp.example.com/saml"
) -> str:
    """IdP metadata comfortably over the 1000 characters the API requires."""
    until = f' validUntil="{valid_until}"' if valid_until else ""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata"
    xmlns:ds="http://www.w3.org/2000/09/xmldsig#" entityID="{entity}"{until}>
  <md:IDPSSODescriptor WantAuthnRequestsSigned="false"
      protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
    <md:KeyDescriptor use="signing">
      <ds:KeyInfo><ds:X509Data><ds:X509Certificate>{CERT}</ds:X509Certificate></ds:X509Data></ds:KeyInfo>
    </md:KeyDescriptor>
    <md:NameIDFormat>urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress</md:NameIDFormat>
    <md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect"
        Location="{entity}/sso"/>
  </md:IDPSSODescriptor>
</md:EntityDescriptor>
"""


def _private_key_pem() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


# -- OIDC -------------------------------------------------------------------------------


def test_oidc_lifecycle(iam, account) -> None:  # type: ignore[no-untyped-def]
    arn = iam.create_open_id_connect_provider(
        Url="https://token.example.com/tenant",
        ClientIDList=["sts.amazonaws.com", "app", "app"],
        ThumbprintList=[THUMB],
    )["OpenIDConnectProviderArn"]
    assert arn == f"arn:aws:iam::{account.id}:oidc-provider/token.example.com/tenant"
    got = iam.get_open_id_connect_provider(OpenIDConnectProviderArn=arn)
    assert got["Url"] == "token.example.com/tenant"
    assert got["ClientIDList"] == ["sts.amazonaws.com", "app"]
    assert got["ThumbprintList"] == [THUMB]
    assert got["Tags"] == []
    assert abs(got["CreateDate"] - datetime.now(UTC)) < timedelta(minutes=5)

    iam.add_client_id_to_open_id_connect_provider(OpenIDConnectProviderArn=arn, ClientID="new")
    iam.add_client_id_to_open_id_connect_provider(OpenIDConnectProviderArn=arn, ClientID="new")
    iam.remove_client_id_from_open_id_connect_provider(OpenIDConnectProviderArn=arn, ClientID="app")
    iam.remove_client_id_from_open_id_connect_provider(
        OpenIDConnectProviderArn=arn, ClientID="never-there"
    )
    iam.update_open_id_connect_provider_thumbprint(
        OpenIDConnectProviderArn=arn, ThumbprintList=["c" * 40, "d" * 40]
    )
    got = iam.get_open_id_connect_provider(OpenIDConnectProviderArn=arn)
    assert got["ClientIDList"] == ["sts.amazonaws.com", "new"]
    assert got["ThumbprintList"] == ["c" * 40, "d" * 40]

    other = iam.create_open_id_connect_provider(Url="https://another.example.org")[
        "OpenIDConnectProviderArn"
    ]
    assert iam.get_open_id_connect_provider(OpenIDConnectProviderArn=other)["ClientIDList"] == []
    listed = iam.list_open_id_connect_providers()["OpenIDConnectProviderList"]
    assert listed == [{"Arn": other}, {"Arn": arn}]

    iam.delete_open_id_connect_provider(OpenIDConnectProviderArn=arn)
    with pytest.raises(ClientError) as exc:
        iam.get_open_id_connect_provider(OpenIDConnectProviderArn=arn)
    assert _error(exc) == ("NoSuchEntity", 404, f"OpenIDConnect Provider not found for arn {arn}")
    with pytest.raises(ClientError) as exc:
        iam.delete_open_id_connect_provider(OpenIDConnectProviderArn=arn)
    assert _error(exc) == ("NoSuchEntity", 404, f"OpenId connect Provider {arn} cannot be found.")
    assert iam.list_open_id_connect_providers()["OpenIDConnectProviderList"] == [{"Arn": other}]


def test_oidc_errors_and_quotas(iam, account) -> None:  # type: ignore[no-untyped-def]
    iam.create_open_id_connect_provider(Url="https://dup.example.com", ThumbprintList=[THUMB])
    with pytest.raises(ClientError) as exc:
        iam.create_open_id_connect_provider(Url="https://dup.example.com")
    assert _error(exc) == (
        "EntityAlreadyExists",
        409,
        "Provider with url https://dup.example.com already exists.",
    )
    for bad in ("example.org", "http://example.org", "https://", "https://a.example/x?y=1"):
        with pytest.raises(ClientError) as exc:
            iam.create_open_id_connect_provider(Url=bad)
        assert _error(exc) == ("ValidationError", 400, "Invalid Open ID Connect Provider URL")
    with pytest.raises(ClientError) as exc:
        iam.create_open_id_connect_provider(
            Url="https://thumbs.example.com", ThumbprintList=[c * 40 for c in "abcdef"]
        )
    assert _error(exc) == (
        "InvalidInput",
        400,
        "Thumbprint list must contain fewer than 5 entries.",
    )
    limit = ("LimitExceeded", 409, "Cannot exceed quota for ClientIdsPerOpenIdConnectProvider: 100")
    with pytest.raises(ClientError) as exc:
        iam.create_open_id_connect_provider(
            Url="https://clients.example.com", ClientIDList=[str(i) for i in range(101)]
        )
    assert _error(exc) == limit
    arn = iam.create_open_id_connect_provider(
        Url="https://clients.example.com", ClientIDList=[str(i) for i in range(100)]
    )["OpenIDConnectProviderArn"]
    with pytest.raises(ClientError) as exc:
        iam.add_client_id_to_open_id_connect_provider(OpenIDConnectProviderArn=arn, ClientID="x")
    assert _error(exc) == limit
    iam.add_client_id_to_open_id_connect_provider(OpenIDConnectProviderArn=arn, ClientID="7")
    with pytest.raises(ClientError) as exc:
        iam.update_open_id_connect_provider_thumbprint(
            OpenIDConnectProviderArn=arn, ThumbprintList=[c * 40 for c in "abcdef"]
        )
    assert _error(exc)[:2] == ("InvalidInput", 400)
    missing = f"arn:aws:iam::{account.id}:oidc-provider/missing.example.com"
    not_found = ("NoSuchEntity", 404, f"OpenIDConnect Provider not found for arn {missing}")
    for call in (
        lambda: iam.add_client_id_to_open_id_connect_provider(
            OpenIDConnectProviderArn=missing, ClientID="x"
        ),
        lambda: iam.remove_client_id_from_open_id_connect_provider(
            OpenIDConnectProviderArn=missing, ClientID="x"
        ),
        lambda: iam.update_open_id_connect_provider_thumbprint(
            OpenIDConnectProviderArn=missing, ThumbprintList=[THUMB]
        ),
        lambda: iam.tag_open_id_connect_provider(
            OpenIDConnectProviderArn=missing, Tags=[{"Key": "k", "Value": "v"}]
        ),
        lambda: iam.untag_open_id_connect_provider(OpenIDConnectProviderArn=missing, TagKeys=["k"]),
        lambda: iam.list_open_id_connect_provider_tags(OpenIDConnectProviderArn=missing),
    ):
        with pytest.raises(ClientError) as exc:
            call()
        assert _error(exc) == not_found


def test_oidc_provider_quota(iam) -> None:  # type: ignore[no-untyped-def]
    for i in range(100):
        iam.create_open_id_connect_provider(Url=f"https://p{i}.example.com")
    with pytest.raises(ClientError) as exc:
        iam.create_open_id_connect_provider(Url="https://one-too-many.example.com")
    assert _error(exc) == (
        "LimitExceeded",
        409,
        "Cannot exceed quota for OpenIdConnectProvidersPerAccount: 100",
    )


def test_oidc_tags(iam) -> None:  # type: ignore[no-untyped-def]
    tags = [{"Key": f"k{i:02d}", "Value": f"v{i}"} for i in range(10)]
    created = iam.create_open_id_connect_provider(Url="https://tags.example.com", Tags=tags)
    arn = created["OpenIDConnectProviderArn"]
    assert created["Tags"] == tags
    first = iam.list_open_id_connect_provider_tags(OpenIDConnectProviderArn=arn, MaxItems=4)
    second = iam.list_open_id_connect_provider_tags(
        OpenIDConnectProviderArn=arn, MaxItems=4, Marker=first["Marker"]
    )
    third = iam.list_open_id_connect_provider_tags(
        OpenIDConnectProviderArn=arn, Marker=second["Marker"]
    )
    assert [len(p["Tags"]) for p in (first, second, third)] == [4, 4, 2]
    assert third["IsTruncated"] is False and "Marker" not in third
    assert first["Tags"] + second["Tags"] + third["Tags"] == tags
    iam.untag_open_id_connect_provider(
        OpenIDConnectProviderArn=arn, TagKeys=[t["Key"] for t in tags]
    )
    iam.tag_open_id_connect_provider(
        OpenIDConnectProviderArn=arn,
        Tags=[{"Key": "k1", "Value": "v1"}, {"Key": "k2", "Value": "v2"}],
    )
    iam.untag_open_id_connect_provider(OpenIDConnectProviderArn=arn, TagKeys=["k2"])
    got = iam.get_open_id_connect_provider(OpenIDConnectProviderArn=arn)
    assert got["Tags"] == [{"Key": "k1", "Value": "v1"}]
    iam.tag_open_id_connect_provider(
        OpenIDConnectProviderArn=arn, Tags=[{"Key": f"n{i}", "Value": "v"} for i in range(49)]
    )
    with pytest.raises(ClientError) as exc:
        iam.tag_open_id_connect_provider(
            OpenIDConnectProviderArn=arn, Tags=[{"Key": "one-more", "Value": "v"}]
        )
    assert _error(exc)[:2] == ("LimitExceeded", 409)


def test_oidc_authorization_uses_provider_arn_and_tags(iam, account) -> None:  # type: ignore[no-untyped-def]
    mine = iam.create_open_id_connect_provider(
        Url="https://mine.example.com", Tags=[{"Key": "team", "Value": "a"}]
    )["OpenIDConnectProviderArn"]
    theirs = iam.create_open_id_connect_provider(Url="https://theirs.example.com")[
        "OpenIDConnectProviderArn"
    ]
    iam.create_user(UserName="u")
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": "iam:GetOpenIDConnectProvider",
                "Resource": "*",
                "Condition": {"StringEquals": {"aws:ResourceTag/team": "a"}},
            },
            {
                "Effect": "Allow",
                "Action": "iam:CreateOpenIDConnectProvider",
                "Resource": f"arn:aws:iam::{account.id}:oidc-provider/allowed.example.com",
            },
        ],
    }
    iam.put_user_policy(UserName="u", PolicyName="p", PolicyDocument=json.dumps(policy))
    key = iam.create_access_key(UserName="u")["AccessKey"]
    user_iam = account.client("iam", key["AccessKeyId"], key["SecretAccessKey"])
    assert user_iam.get_open_id_connect_provider(OpenIDConnectProviderArn=mine)["Url"]
    with pytest.raises(ClientError) as exc:
        user_iam.get_open_id_connect_provider(OpenIDConnectProviderArn=theirs)
    assert _error(exc)[0] == "AccessDenied"
    user_iam.create_open_id_connect_provider(Url="https://allowed.example.com")
    with pytest.raises(ClientError) as exc:
        user_iam.create_open_id_connect_provider(Url="https://other.example.com")
    assert "oidc-provider/other.example.com" in _error(exc)[2]


# -- SAML -------------------------------------------------------------------------------


def test_saml_lifecycle(iam, account) -> None:  # type: ignore[no-untyped-def]
    document = saml_metadata()
    arn = iam.create_saml_provider(Name="Okta", SAMLMetadataDocument=document)["SAMLProviderArn"]
    assert arn == f"arn:aws:iam::{account.id}:saml-provider/Okta"
    got = iam.get_saml_provider(SAMLProviderArn=arn)
    assert got["SAMLMetadataDocument"] == document
    assert got["ValidUntil"] == datetime(2031, 5, 4, 3, 2, 1, tzinfo=UTC)
    assert got["AssertionEncryptionMode"] == "Allowed"
    assert got["PrivateKeyList"] == []
    assert got["Tags"] == []
    uuid_ = got["SAMLProviderUUID"]
    assert len(uuid_) >= 22 and uuid_.isalnum() and uuid_.upper() == uuid_
    assert iam.get_saml_provider(SAMLProviderArn=arn)["SAMLProviderUUID"] == uuid_

    no_expiry = iam.create_saml_provider(Name="NoExpiry", SAMLMetadataDocument=saml_metadata(None))
    got = iam.get_saml_provider(SAMLProviderArn=no_expiry["SAMLProviderArn"])
    assert got["ValidUntil"].year - got["CreateDate"].year == 100

    listed = iam.list_saml_providers()["SAMLProviderList"]
    assert [p["Arn"] for p in listed] == [no_expiry["SAMLProviderArn"], arn]
    assert listed[1]["ValidUntil"] == datetime(2031, 5, 4, 3, 2, 1, tzinfo=UTC)

    updated = saml_metadata("2040-01-01T00:00:00.000Z", entity="https://idp2.example.com/saml")
    response = iam.update_saml_provider(SAMLProviderArn=arn, SAMLMetadataDocument=updated)
    assert response["SAMLProviderArn"] == arn
    got = iam.get_saml_provider(SAMLProviderArn=arn)
    assert got["SAMLMetadataDocument"] == updated
    assert got["ValidUntil"] == datetime(2040, 1, 1, tzinfo=UTC)
    assert got["SAMLProviderUUID"] == uuid_

    iam.delete_saml_provider(SAMLProviderArn=arn)
    missing = ("NoSuchEntity", 404, f"Manifest not found for arn {arn}")
    for call in (
        lambda: iam.get_saml_provider(SAMLProviderArn=arn),
        lambda: iam.delete_saml_provider(SAMLProviderArn=arn),
        lambda: iam.update_saml_provider(SAMLProviderArn=arn, SAMLMetadataDocument=updated),
        lambda: iam.tag_saml_provider(SAMLProviderArn=arn, Tags=[{"Key": "k", "Value": "v"}]),
        lambda: iam.untag_saml_provider(SAMLProviderArn=arn, TagKeys=["k"]),
        lambda: iam.list_saml_provider_tags(SAMLProviderArn=arn),
    ):
        with pytest.raises(ClientError) as exc:
            call()
        assert _error(exc) == missing


def test_saml_errors(iam) -> None:  # type: ignore[no-untyped-def]
    iam.create_saml_provider(Name="Idp", SAMLMetadataDocument=saml_metadata())
    with pytest.raises(ClientError) as exc:
        iam.create_saml_provider(Name="IDP", SAMLMetadataDocument=saml_metadata())
    assert _error(exc) == ("EntityAlreadyExists", 409, "Provider with name IDP already exists.")
    bad_documents = [
        "x" * 1200,  # not XML
        saml_metadata().replace("urn:oasis:names:tc:SAML:2.0:metadata", "urn:example:other"),
        saml_metadata().replace("IDPSSODescriptor", "SPSSODescriptor"),
        saml_metadata().replace('entityID="https://idp.example.com/saml"', ""),
        saml_metadata("next tuesday"),
        # An entity-expansion bomb is refused, not expanded.
        '<?xml version="1.0"?><!DOCTYPE m [<!ENTITY a "aaaaaaaaaa">'
        '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><m>&b;</m>' + " " * 1000,
    ]
    for document in bad_documents:
        with pytest.raises(ClientError) as exc:
            iam.create_saml_provider(Name="Bad", SAMLMetadataDocument=document)
        assert _error(exc) == ("InvalidInput", 400, "Could not parse metadata")
    arn = iam.list_saml_providers()["SAMLProviderList"][0]["Arn"]
    with pytest.raises(ClientError) as exc:
        iam.update_saml_provider(SAMLProviderArn=arn, SAMLMetadataDocument="y" * 1200)
    assert _error(exc) == ("InvalidInput", 400, "Could not parse metadata")


def test_saml_document_length_is_checked_by_the_server(account) -> None:  # type: ignore[no-untyped-def]
    unchecked = boto3.client(
        "iam",
        endpoint_url=account.server.endpoint,
        region_name="us-east-1",
        aws_access_key_id=account.access_key_id,
        aws_secret_access_key=account.secret_access_key,
        config=Config(parameter_validation=False, retries={"max_attempts": 1}),
    )
    with pytest.raises(ClientError) as exc:
        unchecked.create_saml_provider(Name="Short", SAMLMetadataDocument="<x/>")
    assert _error(exc)[:2] == ("ValidationError", 400)


def test_saml_private_keys_and_encryption_mode(iam) -> None:  # type: ignore[no-untyped-def]
    arn = iam.create_saml_provider(
        Name="Enc",
        SAMLMetadataDocument=saml_metadata(),
        AssertionEncryptionMode="Required",
        AddPrivateKey=_private_key_pem(),
    )["SAMLProviderArn"]
    got = iam.get_saml_provider(SAMLProviderArn=arn)
    assert got["AssertionEncryptionMode"] == "Required"
    assert len(got["PrivateKeyList"]) == 1
    first = got["PrivateKeyList"][0]["KeyId"]
    assert len(first) >= 22 and first.isalnum()
    iam.update_saml_provider(SAMLProviderArn=arn, AddPrivateKey=_private_key_pem())
    with pytest.raises(ClientError) as exc:
        iam.update_saml_provider(SAMLProviderArn=arn, AddPrivateKey=_private_key_pem())
    assert _error(exc)[:2] == ("LimitExceeded", 409)
    iam.update_saml_provider(
        SAMLProviderArn=arn, RemovePrivateKey=first, AssertionEncryptionMode="Allowed"
    )
    got = iam.get_saml_provider(SAMLProviderArn=arn)
    assert [k["KeyId"] for k in got["PrivateKeyList"]] != [first]
    assert len(got["PrivateKeyList"]) == 1
    assert got["AssertionEncryptionMode"] == "Allowed"
    with pytest.raises(ClientError) as exc:
        iam.update_saml_provider(SAMLProviderArn=arn, RemovePrivateKey=first)
    assert _error(exc)[:2] == ("InvalidInput", 400)
    with pytest.raises(ClientError) as exc:
        iam.update_saml_provider(SAMLProviderArn=arn, AddPrivateKey="not a key")
    assert _error(exc)[:2] == ("InvalidInput", 400)


def test_saml_tags(iam) -> None:  # type: ignore[no-untyped-def]
    created = iam.create_saml_provider(
        Name="Tagged", SAMLMetadataDocument=saml_metadata(), Tags=[{"Key": "a", "Value": "1"}]
    )
    arn = created["SAMLProviderArn"]
    assert created["Tags"] == [{"Key": "a", "Value": "1"}]
    iam.tag_saml_provider(
        SAMLProviderArn=arn, Tags=[{"Key": "b", "Value": "2"}, {"Key": "A", "Value": "3"}]
    )
    listed = iam.list_saml_provider_tags(SAMLProviderArn=arn)
    assert listed["Tags"] == [
        {"Key": "A", "Value": "3"},
        {"Key": "a", "Value": "1"},
        {"Key": "b", "Value": "2"},
    ]
    page = iam.list_saml_provider_tags(SAMLProviderArn=arn, MaxItems=1)
    assert page["IsTruncated"] is True and len(page["Tags"]) == 1
    iam.untag_saml_provider(SAMLProviderArn=arn, TagKeys=["a", "b"])
    assert iam.get_saml_provider(SAMLProviderArn=arn)["Tags"] == [{"Key": "A", "Value": "3"}]


def test_saml_provider_quota(iam) -> None:  # type: ignore[no-untyped-def]
    document = saml_metadata()
    for i in range(100):
        iam.create_saml_provider(Name=f"p{i}", SAMLMetadataDocument=document)
    with pytest.raises(ClientError) as exc:
        iam.create_saml_provider(Name="extra", SAMLMetadataDocument=document)
    assert _error(exc) == (
        "LimitExceeded",
        409,
        "Cannot exceed quota for SAMLProvidersPerAccount: 100",
    )


# -- CLI --------------------------------------------------------------------------------


@pytest.mark.cli
def testaws_cli(account, tmp_path) -> None:  # type: ignore[no-untyped-def]
    out = aws_cli(
        account,
        "iam",
        "create-open-id-connect-provider",
        "--url",
        "https://cli.example.com",
        "--client-id-list",
        "sts.amazonaws.com",
    )
    assert out.returncode == 0, out.stderr
    arn = json.loads(out.stdout)["OpenIDConnectProviderArn"]
    assert arn == f"arn:aws:iam::{account.id}:oidc-provider/cli.example.com"
    out = aws_cli(
        account, "iam", "get-open-id-connect-provider", "--open-id-connect-provider-arn", arn
    )
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["ClientIDList"] == ["sts.amazonaws.com"]

    metadata = tmp_path / "metadata.xml"
    metadata.write_text(saml_metadata())
    out = aws_cli(
        account,
        "iam",
        "create-saml-provider",
        "--name",
        "CliIdp",
        "--saml-metadata-document",
        f"file://{metadata}",
    )
    assert out.returncode == 0, out.stderr
    saml_arn = json.loads(out.stdout)["SAMLProviderArn"]
    out = aws_cli(account, "iam", "list-saml-providers")
    assert out.returncode == 0, out.stderr
    assert [p["Arn"] for p in json.loads(out.stdout)["SAMLProviderList"]] == [saml_arn]
    out = aws_cli(account, "iam", "delete-saml-provider", "--saml-provider-arn", saml_arn)
    assert out.returncode == 0, out.stderr
    out = aws_cli(account, "iam", "delete-saml-provider", "--saml-provider-arn", saml_arn)
    assert out.returncode != 0
    assert f"Manifest not found for arn {saml_arn}" in out.stderr
