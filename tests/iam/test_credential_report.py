"""Credential reports against a real server: states, expiry, and AWS's CSV format."""

from __future__ import annotations

import base64
import csv
import io
import json
import time
from datetime import UTC, datetime, timedelta

import pyotp
import pytest
from botocore.exceptions import ClientError
from identity_helpers import allow, aws_cli, error_of, user_client
from sqlalchemy import select, update

from rolecall.store import schema as t

HEADER = (
    "user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,"
    "password_next_rotation,mfa_active,access_key_1_active,access_key_1_last_rotated,"
    "access_key_1_last_used_date,access_key_1_last_used_region,access_key_1_last_used_service,"
    "access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date,"
    "access_key_2_last_used_region,access_key_2_last_used_service,cert_1_active,"
    "cert_1_last_rotated,cert_2_active,cert_2_last_rotated"
)


def _rows(iam) -> dict[str, dict[str, str]]:  # type: ignore[no-untyped-def]
    report = iam.get_credential_report()
    assert report["ReportFormat"] == "text/csv"
    text = report["Content"].decode()
    assert text.splitlines()[0] == HEADER
    return {row["user"]: row for row in csv.DictReader(io.StringIO(text))}


def _age_report(store, account_id: str, hours: float) -> None:  # type: ignore[no-untyped-def]
    with store.write(account_id) as conn:
        conn.execute(
            update(t.accounts)
            .where(t.accounts.c.id == account_id)
            .values(credential_report_at=datetime.now(UTC) - timedelta(hours=hours))
        )


def _is_time(value: str) -> bool:
    parsed = datetime.fromisoformat(value)
    return value.endswith("+00:00") and abs(parsed - datetime.now(UTC)) < timedelta(minutes=10)


def test_report_states_and_errors(iam, account, server_store) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ClientError) as exc:
        iam.get_credential_report()
    # AWS sends this error without a message (botocore prints "Unknown").
    assert error_of(exc) == ("ReportNotPresent", "", 410)
    assert "Message" not in exc.value.response["Error"]
    started = iam.generate_credential_report()
    assert started["State"] == "STARTED"
    assert started["Description"] == "No report exists. Starting a new report generation task"
    complete = iam.generate_credential_report()
    assert complete["State"] == "COMPLETE" and "Description" not in complete
    first = iam.get_credential_report()
    assert first["GeneratedTime"] > datetime.now(UTC) - timedelta(minutes=5)
    # Within four hours the report is not regenerated: a new user is not in it.
    iam.create_user(UserName="late")
    assert iam.generate_credential_report()["State"] == "COMPLETE"
    assert "late" not in _rows(iam)
    _age_report(server_store, account.id, 4.5)
    with pytest.raises(ClientError) as exc:
        iam.get_credential_report()
    assert error_of(exc) == ("ReportExpired", "", 410)
    again = iam.generate_credential_report()
    assert again["State"] == "STARTED"
    assert "late" in _rows(iam)
    # The report's content stays out of the audit trail.
    records = _audit(server_store, account.id, "GetCredentialReport")
    assert records and all("<root_account>" not in r for r in records)
    # Like CloudTrail, read-only calls carry no responseElements at all.
    assert all('"responseElements":null' in r for r in records)


def _audit(store, account_id: str, name: str) -> list[str]:  # type: ignore[no-untyped-def]
    # Read-only calls are audited asynchronously: wait for the records to land.
    deadline = time.monotonic() + 10
    while True:
        with store.read() as conn:
            records = list(
                conn.execute(
                    select(t.audit_events.c.record).where(
                        (t.audit_events.c.account_id == account_id)
                        & (t.audit_events.c.event_name == name)
                        & t.audit_events.c.error_code.is_(None)
                    )
                ).scalars()
            )
        if len(records) >= 2 or time.monotonic() > deadline:
            return records
        time.sleep(0.2)


def test_report_rows(iam, account, server_store) -> None:  # type: ignore[no-untyped-def]
    iam.create_user(UserName="bare", Path="/p/")
    iam.create_user(UserName="full")
    iam.create_login_profile(UserName="full", Password="Correct-Horse-1")
    first = iam.create_access_key(UserName="full")["AccessKey"]
    second = iam.create_access_key(UserName="full")["AccessKey"]
    iam.update_access_key(UserName="full", AccessKeyId=second["AccessKeyId"], Status="Inactive")
    device = iam.create_virtual_mfa_device(VirtualMFADeviceName="full")["VirtualMFADevice"]
    seed = device["Base32StringSeed"]
    seed = seed.decode() if isinstance(seed, bytes) else seed
    step = int(time.time() // 30)
    iam.enable_mfa_device(
        UserName="full",
        SerialNumber=device["SerialNumber"],
        AuthenticationCode1=pyotp.TOTP(seed).generate_otp(step - 3),
        AuthenticationCode2=pyotp.TOTP(seed).generate_otp(step - 2),
    )
    iam.update_account_password_policy(MaxPasswordAge=30)
    iam.generate_credential_report()
    rows = _rows(iam)
    assert list(rows) == ["<root_account>", "bare", "full"]
    root = rows["<root_account>"]
    assert root["arn"] == f"arn:aws:iam::{account.id}:root"
    assert _is_time(root["user_creation_time"])
    assert (root["password_enabled"], root["password_last_changed"]) == (
        "not_supported",
        "not_supported",
    )
    assert root["password_next_rotation"] == "not_supported"
    assert root["mfa_active"] == "false"
    assert root["access_key_1_active"] == "true" and _is_time(root["access_key_1_last_rotated"])
    assert root["access_key_2_active"] == "false" and root["access_key_2_last_rotated"] == "N/A"

    bare = rows["bare"]
    assert bare["arn"] == f"arn:aws:iam::{account.id}:user/p/bare"
    assert [bare[c] for c in HEADER.split(",")[3:]] == [
        "false",
        "N/A",
        "N/A",
        "N/A",
        "false",
        "false",
        "N/A",
        "N/A",
        "N/A",
        "N/A",
        "false",
        "N/A",
        "N/A",
        "N/A",
        "N/A",
        "false",
        "N/A",
        "false",
        "N/A",
    ]

    full = rows["full"]
    assert full["password_enabled"] == "true"
    assert full["password_last_used"] == "no_information"
    changed = datetime.fromisoformat(full["password_last_changed"])
    assert _is_time(full["password_last_changed"])
    assert datetime.fromisoformat(full["password_next_rotation"]) == changed + timedelta(days=30)
    assert full["mfa_active"] == "true"
    assert full["access_key_1_active"] == "true"
    assert full["access_key_1_last_rotated"] == first["CreateDate"].isoformat()
    assert full["access_key_1_last_used_date"] == "N/A"
    assert full["access_key_2_active"] == "false"  # inactive
    assert full["access_key_2_last_rotated"] == second["CreateDate"].isoformat()
    assert (full["cert_1_active"], full["cert_2_active"]) == ("false", "false")


def test_report_shows_access_key_use(iam, account, server_store) -> None:  # type: ignore[no-untyped-def]
    client = user_client(iam, account, "worker", allow("iam:GetUser"))
    client.get_user()
    key_id = iam.list_access_keys(UserName="worker")["AccessKeyMetadata"][0]["AccessKeyId"]
    deadline = time.monotonic() + 10
    while (
        "LastUsedDate" not in iam.get_access_key_last_used(AccessKeyId=key_id)["AccessKeyLastUsed"]
    ):
        assert time.monotonic() < deadline, "key use was never recorded"
        time.sleep(0.2)
    used = iam.get_access_key_last_used(AccessKeyId=key_id)["AccessKeyLastUsed"]
    iam.generate_credential_report()
    row = _rows(iam)["worker"]
    assert row["access_key_1_last_used_date"] == used["LastUsedDate"].isoformat()
    assert row["access_key_1_last_used_region"] == used["Region"]
    assert row["access_key_1_last_used_service"] == used["ServiceName"] == "iam"


def test_report_needs_permission(iam, account) -> None:  # type: ignore[no-untyped-def]
    client = user_client(iam, account, "auditor", allow("iam:GenerateCredentialReport"))
    assert client.generate_credential_report()["State"] == "STARTED"
    with pytest.raises(ClientError) as exc:
        client.get_credential_report()
    assert error_of(exc)[0] == "AccessDenied"


@pytest.mark.cli
def test_report_with_aws_cli(iam, account) -> None:  # type: ignore[no-untyped-def]
    iam.create_user(UserName="cli-user")
    out = aws_cli(account, "iam", "generate-credential-report")
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["State"] == "STARTED"
    out = aws_cli(account, "iam", "get-credential-report")
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout)
    assert result["ReportFormat"] == "text/csv"
    text = base64.b64decode(result["Content"]).decode()
    assert text.splitlines()[0] == HEADER
    assert text.splitlines()[2].startswith("cli-user,")
