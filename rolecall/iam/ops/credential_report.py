"""Credential reports: every user's passwords, access keys and MFA, as AWS's CSV.

GenerateCredentialReport builds the report (synchronously — it is a few queries)
and stores it on the account; AWS regenerates at most once every four hours and
otherwise answers that the existing report is COMPLETE.  GetCredentialReport
returns the stored CSV until it is four hours old, after which it has expired.

The columns and value conventions are the IAM User Guide's ("Getting credential
reports"): ISO 8601 times, ``true``/``false``, ``N/A`` where a credential does
not exist or was never used, ``no_information`` for a password never used,
``not_supported`` for what does not apply to the root user (``<root_account>``,
the first row).
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, and_, select, update

from rolecall.api.call import Call
from rolecall.api.registry import operation
from rolecall.protocol.errors import AWSError
from rolecall.store import schema as t

from .. import arns
from ..password_policy import PasswordPolicy, parse_policy

#: A report is served, and not regenerated, for this long.
REPORT_LIFETIME = timedelta(hours=4)

COLUMNS = (
    "user",
    "arn",
    "user_creation_time",
    "password_enabled",
    "password_last_used",
    "password_last_changed",
    "password_next_rotation",
    "mfa_active",
    "access_key_1_active",
    "access_key_1_last_rotated",
    "access_key_1_last_used_date",
    "access_key_1_last_used_region",
    "access_key_1_last_used_service",
    "access_key_2_active",
    "access_key_2_last_rotated",
    "access_key_2_last_used_date",
    "access_key_2_last_used_region",
    "access_key_2_last_used_service",
    "cert_1_active",
    "cert_1_last_rotated",
    "cert_2_active",
    "cert_2_last_rotated",
)
NA = "N/A"


class ReportNotPresent(AWSError):
    """No credential report has been generated."""

    code = "ReportNotPresent"
    status = 410


class ReportExpired(AWSError):
    """The last credential report is older than four hours."""

    code = "ReportExpired"
    status = 410


def _time(value: datetime | None) -> str:
    """AWS's report time format, e.g. ``2024-05-01T12:00:00+00:00``."""
    if value is None:
        return NA
    return value.replace(microsecond=0).isoformat()


def _bool(value: bool) -> str:
    return "true" if value else "false"


def _key_columns(keys: list[Any]) -> list[str]:
    """The ten access_key_1_*/access_key_2_* columns, oldest key first."""
    out: list[str] = []
    for index in range(2):
        key = keys[index] if index < len(keys) else None
        if key is None:
            out += ["false", NA, NA, NA, NA]
            continue
        used = key.last_used_at is not None
        out += [
            _bool(key.status == "Active"),
            _time(key.created_at),
            _time(key.last_used_at),
            (key.last_used_region or NA) if used else NA,
            (key.last_used_service or NA) if used else NA,
        ]
    return out


def _certificate_columns(certs: list[Any]) -> list[str]:
    """The four cert_1_*/cert_2_* columns, oldest signing certificate first."""
    out: list[str] = []
    for index in range(2):
        cert = certs[index] if index < len(certs) else None
        if cert is None:
            out += ["false", NA]
        else:
            out += [_bool(cert.status == "Active"), _time(cert.uploaded_at)]
    return out


def _password_columns(
    profile: Any, last_used: datetime | None, policy: PasswordPolicy | None
) -> list[str]:
    if profile is None:
        return ["false", NA, NA, NA]
    expires = policy.expires_at(profile.password_changed_at) if policy else None
    return [
        "true",
        _time(last_used) if last_used is not None else "no_information",
        _time(profile.password_changed_at),
        _time(expires),
    ]


def build_report(conn: Connection, account_id: str) -> str:
    """The credential report of ``account_id`` as it is now."""
    account = conn.execute(select(t.accounts).where(t.accounts.c.id == account_id)).one()
    policy = parse_policy(account.password_policy)
    users = conn.execute(
        select(t.users)
        .where(t.users.c.account_id == account_id)
        .order_by(t.users.c.name_key, t.users.c.id)
    ).all()
    keys: dict[str | None, list[Any]] = defaultdict(list)
    for key in conn.execute(
        select(t.access_keys)
        .where(t.access_keys.c.account_id == account_id)
        .order_by(t.access_keys.c.created_at, t.access_keys.c.id)
    ):
        keys[key.user_id].append(key)
    certs: dict[str | None, list[Any]] = defaultdict(list)
    for cert in conn.execute(
        select(t.signing_certificates)
        .where(t.signing_certificates.c.account_id == account_id)
        .order_by(t.signing_certificates.c.uploaded_at, t.signing_certificates.c.id)
    ):
        certs[cert.user_id].append(cert)
    mfa_owners = {
        (row.user_id, bool(row.root_user))
        for row in conn.execute(
            select(t.mfa_devices.c.user_id, t.mfa_devices.c.root_user).where(
                and_(
                    t.mfa_devices.c.account_id == account_id,
                    t.mfa_devices.c.enabled_at.is_not(None),
                )
            )
        )
    }
    profiles = {
        row.user_id: row
        for row in conn.execute(
            select(t.login_profiles)
            .join(t.users, t.users.c.id == t.login_profiles.c.user_id)
            .where(t.users.c.account_id == account_id)
        )
    }
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    root_mfa = any(is_root for _, is_root in mfa_owners)
    writer.writerow(
        [
            "<root_account>",
            arns.root_arn(account_id),
            _time(account.created_at),
            "not_supported",
            "no_information",
            "not_supported",
            "not_supported",
            _bool(root_mfa),
            *_key_columns(keys.get(None, [])),
            *_certificate_columns(certs.get(None, [])),
        ]
    )
    for user in users:
        writer.writerow(
            [
                user.name,
                arns.user_arn(account_id, user.path, user.name),
                _time(user.created_at),
                *_password_columns(profiles.get(user.id), user.password_last_used, policy),
                _bool((user.id, False) in mfa_owners),
                *_key_columns(keys.get(user.id, [])),
                *_certificate_columns(certs.get(user.id, [])),
            ]
        )
    return out.getvalue()


@operation("iam", "GenerateCredentialReport")
def generate_credential_report(call: Call) -> dict[str, Any]:
    now = call.now
    account = call.view.account.id
    with call.runtime.store.read() as conn:
        generated = conn.execute(
            select(t.accounts.c.credential_report_at).where(t.accounts.c.id == account)
        ).scalar_one_or_none()
    if generated is not None and now - generated < REPORT_LIFETIME:
        return {"State": "COMPLETE"}
    with call.write() as conn:
        report = build_report(conn, account)
        conn.execute(
            update(t.accounts)
            .where(t.accounts.c.id == account)
            .values(credential_report=report, credential_report_at=now)
        )
    out: dict[str, Any] = {"State": "STARTED"}
    if generated is None:
        out["Description"] = "No report exists. Starting a new report generation task"
    return out


# The report is account-wide credential metadata: kept out of the audit trail.
@operation("iam", "GetCredentialReport", secret_results=("Content",))
def get_credential_report(call: Call) -> dict[str, Any]:
    with call.runtime.store.read() as conn:
        row = conn.execute(
            select(t.accounts.c.credential_report, t.accounts.c.credential_report_at).where(
                t.accounts.c.id == call.account_id
            )
        ).one()
    if row.credential_report is None or row.credential_report_at is None:
        # AWS sends these two errors without a message.
        raise ReportNotPresent("")
    if call.now - row.credential_report_at >= REPORT_LIFETIME:
        raise ReportExpired("")
    return {
        "Content": row.credential_report.encode(),
        "ReportFormat": "text/csv",
        "GeneratedTime": row.credential_report_at,
    }
