"""X.509 signing certificates of IAM users and the root user through boto3."""

from __future__ import annotations

import base64
import csv
import hashlib
import io
from typing import Any

import pytest
from botocore.exceptions import ClientError
from cryptography.hazmat.primitives import serialization
from identity_helpers import allow, error_of, user_client
from test_server_certificates import cert_pem, certificate, new_key


@pytest.fixture(scope="module")
def certs() -> list[str]:
    return [cert_pem(certificate(f"signer {i}", new_key())) for i in range(4)]


def expected_id(pem: str) -> str:
    from cryptography import x509

    der = x509.load_pem_x509_certificate(pem.encode()).public_bytes(serialization.Encoding.DER)
    return base64.b32encode(hashlib.sha1(der, usedforsecurity=False).digest()).decode()


def _upload(iam: Any, body: str, **extra: Any) -> dict[str, Any]:
    return iam.upload_signing_certificate(CertificateBody=body, **extra)["Certificate"]  # type: ignore[no-any-return]


def test_upload_list_update_delete(iam, certs) -> None:  # type: ignore[no-untyped-def]
    iam.create_user(UserName="signer")
    cert = _upload(iam, certs[0], UserName="signer")
    assert cert["UserName"] == "signer" and cert["Status"] == "Active"
    assert cert["CertificateBody"] == certs[0]
    assert cert["CertificateId"] == expected_id(certs[0]) and len(cert["CertificateId"]) == 32
    listed = iam.list_signing_certificates(UserName="signer")
    assert listed["Certificates"] == [cert] and not listed["IsTruncated"]
    iam.update_signing_certificate(
        UserName="signer", CertificateId=cert["CertificateId"], Status="Inactive"
    )
    assert iam.list_signing_certificates(UserName="signer")["Certificates"][0]["Status"] == (
        "Inactive"
    )
    iam.delete_signing_certificate(UserName="signer", CertificateId=cert["CertificateId"])
    assert iam.list_signing_certificates(UserName="signer")["Certificates"] == []
    with pytest.raises(ClientError) as exc:
        iam.delete_signing_certificate(UserName="signer", CertificateId=cert["CertificateId"])
    assert error_of(exc) == (
        "NoSuchEntity",
        f"The Certificate with id {cert['CertificateId']} cannot be found.",
        404,
    )
    with pytest.raises(ClientError) as exc:
        iam.list_signing_certificates(UserName="ghost")
    assert error_of(exc)[0] == "NoSuchEntity"


def test_errors_and_quota(iam, certs) -> None:  # type: ignore[no-untyped-def]
    iam.create_user(UserName="a")
    iam.create_user(UserName="b")
    with pytest.raises(ClientError) as exc:
        _upload(iam, "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----", UserName="a")
    assert error_of(exc)[0::2] == ("MalformedCertificate", 400)
    with pytest.raises(ClientError) as exc:
        _upload(iam, "garbage", UserName="a")
    assert error_of(exc)[0] == "MalformedCertificate"
    _upload(iam, certs[0], UserName="a")
    # One certificate belongs to one user of the account.
    for user in ("a", "b"):
        with pytest.raises(ClientError) as exc:
            _upload(iam, certs[0], UserName=user)
        assert error_of(exc)[0::2] == ("DuplicateCertificate", 409)
    _upload(iam, certs[1], UserName="a")
    with pytest.raises(ClientError) as exc:
        _upload(iam, certs[2], UserName="a")
    assert error_of(exc) == (
        "LimitExceeded",
        "Cannot exceed quota for SigningCertificatesPerUser: 2",
        409,
    )
    with pytest.raises(ClientError) as exc:
        iam.update_signing_certificate(
            UserName="b", CertificateId=expected_id(certs[0]), Status="Inactive"
        )
    assert error_of(exc)[0] == "NoSuchEntity"


def test_other_account_may_upload_the_same_certificate(  # type: ignore[no-untyped-def]
    iam, server, server_store, certs
) -> None:
    from conftest import Account

    from rolecall.iam.accounts import create_account

    root = create_account(server_store, server.keyring, name="second")
    other = Account(server, root.account_id, root.access_key_id, root.secret_access_key)
    iam.create_user(UserName="a")
    _upload(iam, certs[3], UserName="a")
    other_iam = other.client("iam")
    other_iam.create_user(UserName="a")
    assert _upload(other_iam, certs[3], UserName="a")["CertificateId"] == expected_id(certs[3])


def test_root_and_self_service(iam, account, certs) -> None:  # type: ignore[no-untyped-def]
    summary = iam.get_account_summary()["SummaryMap"]
    assert summary["AccountSigningCertificatesPresent"] == 0
    root_cert = _upload(iam, certs[0])
    assert "UserName" not in root_cert
    assert iam.list_signing_certificates()["Certificates"] == [root_cert]
    summary = iam.get_account_summary()["SummaryMap"]
    assert summary["AccountSigningCertificatesPresent"] == 1
    assert summary["SigningCertificatesPerUserQuota"] == 2

    me_arn = f"arn:aws:iam::{account.id}:user/me"
    me = user_client(
        iam,
        account,
        "me",
        allow(
            [
                "iam:UploadSigningCertificate",
                "iam:ListSigningCertificates",
                "iam:DeleteSigningCertificate",
            ],
            me_arn,
        ),
    )
    mine = _upload(me, certs[1])
    assert mine["UserName"] == "me"
    assert me.list_signing_certificates()["Certificates"] == [mine]
    with pytest.raises(ClientError) as exc:
        me.list_signing_certificates(UserName="other")
    assert error_of(exc)[0::2] == ("AccessDenied", 403)
    nobody = user_client(iam, account, "nobody")
    with pytest.raises(ClientError) as exc:
        nobody.list_signing_certificates(UserName="me")
    assert error_of(exc)[0] == "AccessDenied"
    with pytest.raises(ClientError) as exc:
        _upload(nobody, certs[2])
    assert error_of(exc)[0] == "AccessDenied"
    me.delete_signing_certificate(CertificateId=mine["CertificateId"])
    assert me.list_signing_certificates()["Certificates"] == []


def test_delete_user_conflict_and_credential_report(iam, certs) -> None:  # type: ignore[no-untyped-def]
    iam.create_user(UserName="signer")
    first = _upload(iam, certs[0], UserName="signer")
    second = _upload(iam, certs[1], UserName="signer")
    iam.update_signing_certificate(
        UserName="signer", CertificateId=second["CertificateId"], Status="Inactive"
    )
    with pytest.raises(ClientError) as exc:
        iam.delete_user(UserName="signer")
    assert error_of(exc) == (
        "DeleteConflict",
        "Cannot delete entity, must delete certificates first.",
        409,
    )
    iam.generate_credential_report()
    content = iam.get_credential_report()["Content"].decode()
    rows = {r["user"]: r for r in csv.DictReader(io.StringIO(content))}
    row = rows["signer"]
    assert row["cert_1_active"] == "true"
    assert row["cert_1_last_rotated"] == first["UploadDate"].replace(microsecond=0).isoformat()
    assert row["cert_2_active"] == "false"
    assert row["cert_2_last_rotated"] == second["UploadDate"].replace(microsecond=0).isoformat()
    root = rows["<root_account>"]
    assert (root["cert_1_active"], root["cert_1_last_rotated"]) == ("false", "N/A")
    for cert in (first, second):
        iam.delete_signing_certificate(UserName="signer", CertificateId=cert["CertificateId"])
    iam.delete_user(UserName="signer")
