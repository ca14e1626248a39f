"""Service-specific credentials through boto3: passwords and API keys, kept secret."""

from __future__ import annotations

import base64
import json
from datetime import timedelta
from typing import Any

import pytest
from botocore.exceptions import ClientError
from identity_helpers import allow, error_of, user_client
from sqlalchemy import select
from test_server_certificates import audit_records

from rolecall.iam.ops.service_specific_credentials import SECRET_PURPOSE
from rolecall.store import schema as t

CODECOMMIT = "codecommit.amazonaws.com"


def _create(iam: Any, user: str, service: str = CODECOMMIT, **extra: Any) -> dict[str, Any]:
    return iam.create_service_specific_credential(  # type: ignore[no-any-return]
        UserName=user, ServiceName=service, **extra
    )["ServiceSpecificCredential"]


def test_lifecycle(iam, account) -> None:  # type: ignore[no-untyped-def]
    iam.create_user(UserName="alice")
    cred = _create(iam, "alice")
    cred_id = cred["ServiceSpecificCredentialId"]
    assert cred_id.startswith("ACCA") and len(cred_id) == 21
    assert cred["ServiceUserName"] == f"alice-at-{account.id}"
    assert cred["ServiceName"] == CODECOMMIT and cred["Status"] == "Active"
    assert cred["UserName"] == "alice" and len(cred["ServicePassword"]) >= 40
    assert "ExpirationDate" not in cred and "ServiceCredentialSecret" not in cred

    listed = iam.list_service_specific_credentials(UserName="alice")
    assert listed["ServiceSpecificCredentials"] == [
        {
            "UserName": "alice",
            "Status": "Active",
            "ServiceUserName": f"alice-at-{account.id}",
            "CreateDate": cred["CreateDate"],
            "ServiceSpecificCredentialId": cred_id,
            "ServiceName": CODECOMMIT,
        }
    ]
    reset = iam.reset_service_specific_credential(
        UserName="alice", ServiceSpecificCredentialId=cred_id
    )["ServiceSpecificCredential"]
    assert reset["ServiceSpecificCredentialId"] == cred_id
    assert reset["ServicePassword"] and reset["ServicePassword"] != cred["ServicePassword"]

    iam.update_service_specific_credential(
        UserName="alice", ServiceSpecificCredentialId=cred_id, Status="Inactive"
    )
    status = iam.list_service_specific_credentials(UserName="alice")["ServiceSpecificCredentials"]
    assert status[0]["Status"] == "Inactive"
    iam.delete_service_specific_credential(UserName="alice", ServiceSpecificCredentialId=cred_id)
    assert (
        iam.list_service_specific_credentials(UserName="alice")["ServiceSpecificCredentials"] == []
    )
    with pytest.raises(ClientError) as exc:
        iam.reset_service_specific_credential(UserName="alice", ServiceSpecificCredentialId=cred_id)
    assert error_of(exc)[0::2] == ("NoSuchEntity", 404)
    with pytest.raises(ClientError) as exc:
        _create(iam, "ghost")
    assert error_of(exc)[0] == "NoSuchEntity"


def test_services_and_quota(iam) -> None:  # type: ignore[no-untyped-def]
    iam.create_user(UserName="alice")
    iam.create_user(UserName="bob")
    with pytest.raises(ClientError) as exc:
        _create(iam, "alice", "s3.amazonaws.com")
    assert error_of(exc)[0::2] == ("NotSupportedService", 404)
    with pytest.raises(ClientError) as exc:
        iam.list_service_specific_credentials(UserName="alice", ServiceName="s3.amazonaws.com")
    assert error_of(exc)[0] == "NotSupportedService"
    _create(iam, "alice")
    _create(iam, "alice")
    with pytest.raises(ClientError) as exc:
        _create(iam, "alice")
    assert error_of(exc) == (
        "LimitExceeded",
        "Cannot exceed quota for ServiceSpecificCredentialsPerUserPerService: 2",
        409,
    )
    # The quota is per service and per user.
    _create(iam, "alice", "cassandra.amazonaws.com")
    _create(iam, "bob")
    only = iam.list_service_specific_credentials(
        UserName="alice", ServiceName="cassandra.amazonaws.com"
    )["ServiceSpecificCredentials"]
    assert [c["ServiceName"] for c in only] == ["cassandra.amazonaws.com"]
    everyone = iam.list_service_specific_credentials(AllUsers=True, ServiceName=CODECOMMIT)
    assert sorted(c["UserName"] for c in everyone["ServiceSpecificCredentials"]) == [
        "alice",
        "alice",
        "bob",
    ]
    page = iam.list_service_specific_credentials(AllUsers=True, MaxItems=3)
    assert page["IsTruncated"] and len(page["ServiceSpecificCredentials"]) == 3
    rest = iam.list_service_specific_credentials(AllUsers=True, Marker=page["Marker"])
    assert len(rest["ServiceSpecificCredentials"]) == 1 and not rest["IsTruncated"]
    with pytest.raises(ClientError) as exc:
        iam.list_service_specific_credentials(AllUsers=True, UserName="alice")
    assert error_of(exc)[0] == "InvalidInput"


def test_bedrock_api_key_expires(iam, account) -> None:  # type: ignore[no-untyped-def]
    iam.create_user(UserName="alice")
    with pytest.raises(ClientError) as exc:
        _create(iam, "alice", CredentialAgeDays=5)
    assert error_of(exc)[0] == "InvalidInput"
    key = _create(iam, "alice", "bedrock.amazonaws.com", CredentialAgeDays=30)
    assert key["ExpirationDate"] - key["CreateDate"] == timedelta(days=30)
    assert key["ServiceCredentialAlias"].endswith(f"-at-{account.id}")
    assert "ServicePassword" not in key and "ServiceUserName" not in key
    secret = key["ServiceCredentialSecret"]
    assert secret.startswith("ABSK")
    assert base64.b64decode(secret[4:]).decode().startswith(key["ServiceCredentialAlias"] + ":")
    listed = iam.list_service_specific_credentials(UserName="alice")["ServiceSpecificCredentials"]
    assert listed[0]["ExpirationDate"] == key["ExpirationDate"]
    assert "ServiceCredentialSecret" not in listed[0]


def test_secrets_encrypted_and_never_audited(  # type: ignore[no-untyped-def]
    iam, account, server, server_store
) -> None:
    iam.create_user(UserName="alice")
    cred = _create(iam, "alice")
    cred_id = cred["ServiceSpecificCredentialId"]
    reset = iam.reset_service_specific_credential(
        UserName="alice", ServiceSpecificCredentialId=cred_id
    )["ServiceSpecificCredential"]
    api_key = _create(iam, "alice", "bedrock.amazonaws.com")
    iam.list_service_specific_credentials(UserName="alice")
    with server_store.read() as conn:
        row = conn.execute(
            select(t.service_specific_credentials).where(
                t.service_specific_credentials.c.id == cred_id
            )
        ).one()
    password = reset["ServicePassword"]
    assert password.encode() not in row.secret_enc
    assert (
        server.keyring.decrypt(row.secret_enc, purpose=SECRET_PURPOSE, aad=cred_id.encode())
        == password.encode()
    )
    secrets = [cred["ServicePassword"], password, api_key["ServiceCredentialSecret"]]
    for name, count in (
        ("CreateServiceSpecificCredential", 2),
        ("ResetServiceSpecificCredential", 1),
        ("ListServiceSpecificCredentials", 1),
    ):
        records = audit_records(server_store, account.id, name, count)
        assert len(records) == count, name
        for raw in records:
            assert not any(s in raw for s in secrets), name
    created = [
        json.loads(r)
        for r in audit_records(server_store, account.id, "CreateServiceSpecificCredential", 2)
    ]
    hidden = "HIDDEN_DUE_TO_SECURITY_REASONS"
    elements = [r["responseElements"]["serviceSpecificCredential"] for r in created]
    assert {e.get("servicePassword") or e.get("serviceCredentialSecret") for e in elements} == {
        hidden
    }


def test_delete_user_conflict(iam) -> None:  # type: ignore[no-untyped-def]
    iam.create_user(UserName="alice")
    cred_id = _create(iam, "alice")["ServiceSpecificCredentialId"]
    with pytest.raises(ClientError) as exc:
        iam.delete_user(UserName="alice")
    assert error_of(exc) == (
        "DeleteConflict",
        "Cannot delete entity, must remove referenced objects first.",
        409,
    )
    iam.delete_service_specific_credential(UserName="alice", ServiceSpecificCredentialId=cred_id)
    iam.delete_user(UserName="alice")


def test_authorization(iam, account) -> None:  # type: ignore[no-untyped-def]
    iam.create_user(UserName="alice")
    cred_id = _create(iam, "alice")["ServiceSpecificCredentialId"]
    nobody = user_client(iam, account, "nobody")
    for call in (
        lambda: _create(nobody, "alice"),
        lambda: nobody.list_service_specific_credentials(UserName="alice"),
        lambda: nobody.reset_service_specific_credential(
            UserName="alice", ServiceSpecificCredentialId=cred_id
        ),
    ):
        with pytest.raises(ClientError) as exc:
            call()
        assert error_of(exc)[0::2] == ("AccessDenied", 403)
    # Allowed only for CodeCommit, through the service-name condition key.
    me = user_client(
        iam,
        account,
        "me",
        {
            **allow("iam:CreateServiceSpecificCredential", f"arn:aws:iam::{account.id}:user/me"),
            "Condition": {"StringEquals": {"iam:ServiceSpecificCredentialServiceName": CODECOMMIT}},
        },
        allow("iam:ListServiceSpecificCredentials", f"arn:aws:iam::{account.id}:user/me"),
    )
    own = _create(me, "me")
    listed = me.list_service_specific_credentials()["ServiceSpecificCredentials"]
    assert [c["ServiceSpecificCredentialId"] for c in listed] == [
        own["ServiceSpecificCredentialId"]
    ]
    with pytest.raises(ClientError) as exc:
        _create(me, "me", "cassandra.amazonaws.com")
    assert error_of(exc)[0] == "AccessDenied"
