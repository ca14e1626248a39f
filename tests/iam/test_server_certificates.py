"""Server certificates through boto3: upload, read, rename, tags, limits, secrecy.

Also home of the certificate helpers the signing-certificate tests share.
"""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from botocore.exceptions import ClientError
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID
from identity_helpers import allow, error_of, user_client
from sqlalchemy import select

from rolecall.iam.ops.server_certificates import KEY_PURPOSE
from rolecall.store import schema as t

Key = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey


def new_key(kind: str = "ec") -> Key:
    """A fresh private key (EC is fast; RSA where the test needs RSA)."""
    if kind == "rsa":
        return rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return ec.generate_private_key(ec.SECP256R1())


def certificate(
    name: str,
    key: Key,
    *,
    issuer: tuple[str, Key] | None = None,
    days: int = 365,
    ca: bool = False,
) -> x509.Certificate:
    """A certificate for ``name`` signed by ``issuer`` (name, key), else self-signed."""
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    issuer_name, issuer_key = issuer if issuer else (name, key)
    now = datetime.now(UTC).replace(microsecond=0)
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, issuer_name)]))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        .sign(issuer_key, hashes.SHA256())
    )


def cert_pem(cert: x509.Certificate) -> str:
    """PEM text of a certificate."""
    return cert.public_bytes(serialization.Encoding.PEM).decode()


def key_pem(key: Key) -> str:
    """Unencrypted PKCS#8 PEM text of a private key."""
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


def audit_records(store: Any, account_id: str, name: str, expected: int = 1) -> list[str]:
    """The raw JSON audit records of ``name`` calls (waiting for group commits)."""
    deadline = time.monotonic() + 10
    while True:
        with store.read() as conn:
            rows = conn.execute(
                select(t.audit_events.c.record).where(
                    (t.audit_events.c.account_id == account_id)
                    & (t.audit_events.c.event_name == name)
                )
            ).all()
        if len(rows) >= expected or time.monotonic() > deadline:
            return [r.record for r in rows]
        time.sleep(0.05)


@pytest.fixture(scope="module")
def material() -> dict[str, Any]:
    """A CA, a leaf it issued (RSA) with its key, and an unrelated key."""
    ca_key = new_key()
    ca = certificate("Test CA", ca_key, ca=True)
    leaf_key = new_key("rsa")
    leaf = certificate("www.example.com", leaf_key, issuer=("Test CA", ca_key))
    return {
        "ca": cert_pem(ca),
        "leaf": cert_pem(leaf),
        "expires": leaf.not_valid_after_utc,
        "key": key_pem(leaf_key),
        "other_key": key_pem(new_key()),
    }


def _upload(iam: Any, material: dict[str, Any], name: str, **extra: Any) -> dict[str, Any]:
    return iam.upload_server_certificate(  # type: ignore[no-any-return]
        ServerCertificateName=name,
        CertificateBody=material["leaf"],
        PrivateKey=material["key"],
        **extra,
    )


def test_upload_get_list_and_delete(iam, account, material) -> None:  # type: ignore[no-untyped-def]
    out = _upload(iam, material, "web", Path="/cloudfront/", CertificateChain=material["ca"])
    meta = out["ServerCertificateMetadata"]
    assert meta["ServerCertificateName"] == "web" and meta["Path"] == "/cloudfront/"
    assert meta["Arn"] == f"arn:aws:iam::{account.id}:server-certificate/cloudfront/web"
    assert meta["ServerCertificateId"].startswith("ASCA") and len(meta["ServerCertificateId"]) == 21
    assert meta["Expiration"] == material["expires"]
    assert "Tags" not in out

    got = iam.get_server_certificate(ServerCertificateName="WEB")["ServerCertificate"]
    assert got["ServerCertificateMetadata"] == meta
    assert got["CertificateBody"] == material["leaf"]
    assert got["CertificateChain"] == material["ca"]
    assert "PrivateKey" not in got and "Tags" not in got
    assert "PRIVATE KEY" not in json.dumps(got, default=str)

    listed = iam.list_server_certificates()
    assert listed["ServerCertificateMetadataList"] == [meta] and not listed["IsTruncated"]
    assert "PRIVATE KEY" not in json.dumps(listed, default=str)
    assert iam.list_server_certificates(PathPrefix="/other/")["ServerCertificateMetadataList"] == []
    assert (
        len(
            iam.list_server_certificates(PathPrefix="/cloudfront/")["ServerCertificateMetadataList"]
        )
        == 1
    )

    summary = iam.get_account_summary()["SummaryMap"]
    assert summary["ServerCertificates"] == 1 and summary["ServerCertificatesQuota"] == 20

    iam.delete_server_certificate(ServerCertificateName="web")
    with pytest.raises(ClientError) as exc:
        iam.get_server_certificate(ServerCertificateName="web")
    assert error_of(exc) == (
        "NoSuchEntity",
        "The Server Certificate with name web cannot be found.",
        404,
    )
    with pytest.raises(ClientError) as exc:
        iam.delete_server_certificate(ServerCertificateName="web")
    assert error_of(exc)[0] == "NoSuchEntity"
    assert iam.get_account_summary()["SummaryMap"]["ServerCertificates"] == 0


def test_upload_errors(iam, material) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ClientError) as exc:
        iam.upload_server_certificate(
            ServerCertificateName="bad", CertificateBody="not a cert", PrivateKey=material["key"]
        )
    assert error_of(exc) == (
        "MalformedCertificate",
        "Unable to parse certificate. Please ensure the certificate is in PEM format.",
        400,
    )
    with pytest.raises(ClientError) as exc:
        iam.upload_server_certificate(
            ServerCertificateName="bad", CertificateBody=material["leaf"], PrivateKey="garbage"
        )
    assert error_of(exc)[0] == "MalformedCertificate"
    with pytest.raises(ClientError) as exc:
        iam.upload_server_certificate(
            ServerCertificateName="bad",
            CertificateBody=material["leaf"],
            PrivateKey=material["other_key"],
        )
    assert error_of(exc)[0::2] == ("KeyPairMismatch", 400)
    # A chain that did not issue the body.
    with pytest.raises(ClientError) as exc:
        _upload(iam, material, "bad", CertificateChain=material["leaf"])
    code, message, status = error_of(exc)
    assert (code, status) == ("MalformedCertificate", 400)
    assert message.startswith("Unable to validate certificate chain.")
    assert message.endswith("is: -1")
    assert iam.list_server_certificates()["ServerCertificateMetadataList"] == []

    _upload(iam, material, "dup")
    with pytest.raises(ClientError) as exc:
        _upload(iam, material, "DUP")
    assert error_of(exc) == (
        "EntityAlreadyExists",
        "The Server Certificate with name DUP already exists.",
        409,
    )


def test_quota_of_twenty(iam, material) -> None:  # type: ignore[no-untyped-def]
    for i in range(20):
        _upload(iam, material, f"c{i:02d}")
    with pytest.raises(ClientError) as exc:
        _upload(iam, material, "c20")
    assert error_of(exc) == (
        "LimitExceeded",
        "Cannot exceed quota for ServerCertificatesPerAccount: 20",
        409,
    )
    first = iam.list_server_certificates(MaxItems=15)
    assert first["IsTruncated"] and len(first["ServerCertificateMetadataList"]) == 15
    rest = iam.list_server_certificates(Marker=first["Marker"])
    assert not rest["IsTruncated"]
    names = [m["ServerCertificateName"] for m in first["ServerCertificateMetadataList"]]
    names += [m["ServerCertificateName"] for m in rest["ServerCertificateMetadataList"]]
    assert names == [f"c{i:02d}" for i in range(20)]


def test_update_renames_and_moves(iam, account, material) -> None:  # type: ignore[no-untyped-def]
    _upload(iam, material, "old")
    _upload(iam, material, "taken")
    iam.update_server_certificate(
        ServerCertificateName="old", NewServerCertificateName="new", NewPath="/moved/"
    )
    meta = iam.get_server_certificate(ServerCertificateName="new")["ServerCertificate"][
        "ServerCertificateMetadata"
    ]
    assert meta["Path"] == "/moved/"
    assert meta["Arn"] == f"arn:aws:iam::{account.id}:server-certificate/moved/new"
    with pytest.raises(ClientError) as exc:
        iam.get_server_certificate(ServerCertificateName="old")
    assert error_of(exc)[0] == "NoSuchEntity"
    with pytest.raises(ClientError) as exc:
        iam.update_server_certificate(ServerCertificateName="new", NewServerCertificateName="Taken")
    assert error_of(exc)[0::2] == ("EntityAlreadyExists", 409)
    with pytest.raises(ClientError) as exc:
        iam.update_server_certificate(ServerCertificateName="nope", NewPath="/x/")
    assert error_of(exc)[0] == "NoSuchEntity"


def test_tags(iam, material) -> None:  # type: ignore[no-untyped-def]
    out = _upload(iam, material, "tagged", Tags=[{"Key": "team", "Value": "web"}])
    assert out["Tags"] == [{"Key": "team", "Value": "web"}]
    iam.tag_server_certificate(
        ServerCertificateName="tagged",
        Tags=[{"Key": "env", "Value": "prod"}, {"Key": "Team", "Value": "ops"}],
    )
    tags = iam.list_server_certificate_tags(ServerCertificateName="tagged")
    # Keys of server certificates are case-sensitive.
    assert tags["Tags"] == [
        {"Key": "Team", "Value": "ops"},
        {"Key": "env", "Value": "prod"},
        {"Key": "team", "Value": "web"},
    ]
    page = iam.list_server_certificate_tags(ServerCertificateName="tagged", MaxItems=2)
    assert page["IsTruncated"] and len(page["Tags"]) == 2
    rest = iam.list_server_certificate_tags(ServerCertificateName="tagged", Marker=page["Marker"])
    assert rest["Tags"] == [{"Key": "team", "Value": "web"}]
    iam.untag_server_certificate(ServerCertificateName="tagged", TagKeys=["team", "absent"])
    got = iam.get_server_certificate(ServerCertificateName="tagged")["ServerCertificate"]
    assert got["Tags"] == [{"Key": "Team", "Value": "ops"}, {"Key": "env", "Value": "prod"}]
    with pytest.raises(ClientError) as exc:
        iam.tag_server_certificate(
            ServerCertificateName="tagged", Tags=[{"Key": "aws:x", "Value": "1"}]
        )
    assert error_of(exc)[0] == "InvalidInput"
    with pytest.raises(ClientError) as exc:
        iam.list_server_certificate_tags(ServerCertificateName="missing")
    assert error_of(exc)[0] == "NoSuchEntity"


def test_private_key_encrypted_at_rest_and_not_audited(  # type: ignore[no-untyped-def]
    iam, account, server, server_store, material
) -> None:
    out = _upload(iam, material, "secret")
    cert_id = out["ServerCertificateMetadata"]["ServerCertificateId"]
    with server_store.read() as conn:
        row = conn.execute(
            select(t.server_certificates).where(t.server_certificates.c.id == cert_id)
        ).one()
    assert b"PRIVATE KEY" not in row.private_key_enc
    plain = server.keyring.decrypt(row.private_key_enc, purpose=KEY_PURPOSE, aad=cert_id.encode())
    assert plain.decode() == material["key"]
    iam.get_server_certificate(ServerCertificateName="secret")
    key_body = material["key"].splitlines()[1]
    for name in ("UploadServerCertificate", "GetServerCertificate"):
        records = audit_records(server_store, account.id, name)
        assert records, name
        for raw in records:
            assert key_body not in raw and "PRIVATE KEY" not in raw
    upload = json.loads(audit_records(server_store, account.id, "UploadServerCertificate")[0])
    assert upload["requestParameters"]["privateKey"] == "HIDDEN_DUE_TO_SECURITY_REASONS"


def test_authorization(iam, account, material) -> None:  # type: ignore[no-untyped-def]
    _upload(iam, material, "guarded")
    nobody = user_client(iam, account, "nobody")
    with pytest.raises(ClientError) as exc:
        nobody.get_server_certificate(ServerCertificateName="guarded")
    assert error_of(exc)[0::2] == ("AccessDenied", 403)
    with pytest.raises(ClientError) as exc:
        nobody.list_server_certificates()
    assert error_of(exc)[0] == "AccessDenied"
    with pytest.raises(ClientError) as exc:
        _upload(nobody, material, "mine")
    assert error_of(exc)[0] == "AccessDenied"
    reader = user_client(
        iam, account, "reader", allow(["iam:GetServerCertificate", "iam:ListServerCertificates"])
    )
    assert reader.get_server_certificate(ServerCertificateName="guarded")["ServerCertificate"]
    assert len(reader.list_server_certificates()["ServerCertificateMetadataList"]) == 1
    with pytest.raises(ClientError) as exc:
        reader.delete_server_certificate(ServerCertificateName="guarded")
    assert error_of(exc)[0] == "AccessDenied"


def test_policies_name_certificates_by_arn_and_see_their_tags(  # type: ignore[no-untyped-def]
    iam, account, material
) -> None:
    _upload(iam, material, "web-1", Path="/cloudfront/", Tags=[{"Key": "env", "Value": "prod"}])
    _upload(iam, material, "web-2", Tags=[{"Key": "env", "Value": "dev"}])
    _upload(iam, material, "api")
    scoped = user_client(
        iam,
        account,
        "scoped",
        allow("iam:GetServerCertificate", f"arn:aws:iam::{account.id}:server-certificate/web-*"),
        allow("iam:GetServerCertificate", f"arn:aws:iam::{account.id}:server-certificate/*/web-*"),
        {
            "Effect": "Deny",
            "Action": "iam:GetServerCertificate",
            "Resource": "*",
            "Condition": {"StringEquals": {"iam:ResourceTag/env": "prod"}},
        },
    )
    assert scoped.get_server_certificate(ServerCertificateName="web-2")["ServerCertificate"]
    for name in ("api", "web-1"):  # not covered; covered but tagged prod
        with pytest.raises(ClientError) as exc:
            scoped.get_server_certificate(ServerCertificateName=name)
        code, message, _ = error_of(exc)
        assert code == "AccessDenied"
        assert f":server-certificate/{'cloudfront/' if name == 'web-1' else ''}{name}" in message


def test_path_prefix_need_not_end_in_a_slash(iam, material) -> None:  # type: ignore[no-untyped-def]
    _upload(iam, material, "a", Path="/division_abc/")
    _upload(iam, material, "b", Path="/other/")
    listed = iam.list_server_certificates(PathPrefix="/division")["ServerCertificateMetadataList"]
    assert [m["ServerCertificateName"] for m in listed] == ["a"]
    iam.create_user(UserName="u1", Path="/division_abc/")
    users = iam.list_users(PathPrefix="/div")["Users"]
    assert [u["UserName"] for u in users] == ["u1"]
