"""Service-specific credentials: CodeCommit/Keyspaces passwords and Bedrock API keys.

A user may have two credentials per service.  Password services get a generated
``ServiceUserName`` (``<user>-at-<account>``) and ``ServicePassword``; API-key
services get a ``ServiceCredentialAlias`` and ``ServiceCredentialSecret`` and may
expire after ``CredentialAgeDays``.  The secret is shown only by Create and
Reset; at rest it is encrypted with the keyring, bound to the credential id.
"""

from __future__ import annotations

import base64
import secrets
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, and_, delete, func, insert, select, update

from rolecall.api.call import Call
from rolecall.api.registry import operation
from rolecall.protocol.errors import AWSError, InvalidInput, LimitExceeded, NoSuchEntity
from rolecall.store import schema as t

from .. import ids
from ..lookup import user_in
from ..owners import credential_owner
from ..paging import finish_page, page_query
from ..records import UserRecord

MAX_PER_SERVICE = 2
CREDENTIAL_PREFIX = "ACCA"
SECRET_PURPOSE = "service-credential-secret"  # noqa: S105 - a key-derivation label
#: Services that take a user name and password.
PASSWORD_SERVICES = frozenset({"codecommit.amazonaws.com", "cassandra.amazonaws.com"})
#: Services whose credentials are long-term API keys (alias and secret, may expire).
API_KEY_SERVICES = frozenset({"bedrock.amazonaws.com"})
SUPPORTED = PASSWORD_SERVICES | API_KEY_SERVICES
SECRETS = ("ServicePassword", "ServiceCredentialSecret")


class NotSupportedService(AWSError):
    """The service does not support service-specific credentials."""

    code = "NotSupportedService"
    status = 404


def _check_service(name: str) -> None:
    if name not in SUPPORTED:
        raise NotSupportedService(
            f"The specified service {name} does not support service-specific credentials."
        )


def _new_secret(service: str, alias: str) -> str:
    if service in API_KEY_SERVICES:
        # Bedrock's API keys are "ABSK" and the base64 of "<alias>:<secret>".
        raw = f"{alias}:{base64.b64encode(secrets.token_bytes(30)).decode()}"
        return "ABSK" + base64.b64encode(raw.encode()).decode()
    return base64.b64encode(secrets.token_bytes(33)).decode()


def _new_alias(service: str, user: UserRecord) -> str:
    if service in API_KEY_SERVICES:
        tag = "".join(secrets.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(4))
        return f"BedrockAPIKey-{tag}-at-{user.account_id}"
    return f"{user.name}-at-{user.account_id}"


def _status(row: Any, now: datetime) -> str:
    if row.expires_at is not None and now >= row.expires_at:
        return "Expired"
    return str(row.status)


def _shape(row: Any, user_name: str, now: datetime, secret: str | None) -> dict[str, Any]:
    api_key = row.service_name in API_KEY_SERVICES
    out: dict[str, Any] = {
        "UserName": user_name,
        "Status": _status(row, now),
        "ServiceSpecificCredentialId": row.id,
        "ServiceName": row.service_name,
        "CreateDate": row.created_at,
    }
    out["ServiceCredentialAlias" if api_key else "ServiceUserName"] = row.service_user_name
    if row.expires_at is not None:
        out["ExpirationDate"] = row.expires_at
    if secret is not None:
        out["ServiceCredentialSecret" if api_key else "ServicePassword"] = secret
    return out


def _encrypt(call: Call, cred_id: str, secret: str) -> bytes:
    return call.runtime.keyring.encrypt(
        secret.encode(), purpose=SECRET_PURPOSE, aad=cred_id.encode()
    )


@operation("iam", "CreateServiceSpecificCredential", secret_results=SECRETS)
def create_service_specific_credential(call: Call) -> dict[str, Any]:
    service: str = call.params["ServiceName"]
    _check_service(service)
    age: int | None = call.params.get("CredentialAgeDays")
    if age is not None and service not in API_KEY_SERVICES:
        raise InvalidInput(f"CredentialAgeDays is not supported for service {service}.")
    cred_id = ids.unique_id(CREDENTIAL_PREFIX)
    c = t.service_specific_credentials.c
    with call.write() as conn:
        user = user_in(conn, call.account_id, call.params["UserName"])
        count = conn.execute(
            select(func.count())
            .select_from(t.service_specific_credentials)
            .where(and_(c.user_id == user.id, c.service_name == service))
        ).scalar_one()
        if count >= MAX_PER_SERVICE:
            raise LimitExceeded(
                "Cannot exceed quota for ServiceSpecificCredentialsPerUserPerService: "
                f"{MAX_PER_SERVICE}"
            )
        alias = _new_alias(service, user)
        secret = _new_secret(service, alias)
        conn.execute(
            insert(t.service_specific_credentials).values(
                id=cred_id,
                account_id=call.account_id,
                user_id=user.id,
                service_name=service,
                service_user_name=alias,
                secret_enc=_encrypt(call, cred_id, secret),
                status="Active",
                created_at=call.now,
                expires_at=call.now + timedelta(days=age) if age is not None else None,
            )
        )
        row = conn.execute(select(t.service_specific_credentials).where(c.id == cred_id)).one()
    call.touch("user", user.arn)
    return {"ServiceSpecificCredential": _shape(row, user.name, call.now, secret)}


def _credential_in(conn: Connection, call: Call) -> tuple[Any, UserRecord]:
    cred_id: str = call.params["ServiceSpecificCredentialId"]
    owner = credential_owner(call, conn)
    c = t.service_specific_credentials.c
    row = None
    if owner is not None:
        row = conn.execute(
            select(t.service_specific_credentials).where(
                and_(c.id == cred_id, c.user_id == owner.id)
            )
        ).first()
    if row is None or owner is None:
        raise NoSuchEntity(f"The Service Specific Credential with id {cred_id} cannot be found.")
    return row, owner


@operation("iam", "ResetServiceSpecificCredential", secret_results=SECRETS)
def reset_service_specific_credential(call: Call) -> dict[str, Any]:
    with call.write() as conn:
        row, user = _credential_in(conn, call)
        secret = _new_secret(row.service_name, row.service_user_name)
        conn.execute(
            update(t.service_specific_credentials)
            .where(t.service_specific_credentials.c.id == row.id)
            .values(secret_enc=_encrypt(call, row.id, secret))
        )
    call.touch("user", user.arn)
    return {"ServiceSpecificCredential": _shape(row, user.name, call.now, secret)}


@operation("iam", "UpdateServiceSpecificCredential")
def update_service_specific_credential(call: Call) -> None:
    status: str = call.params["Status"]
    if status == "Expired":
        raise InvalidInput("Status 'Expired' cannot be set by UpdateServiceSpecificCredential.")
    with call.write() as conn:
        row, user = _credential_in(conn, call)
        conn.execute(
            update(t.service_specific_credentials)
            .where(t.service_specific_credentials.c.id == row.id)
            .values(status=status)
        )
    call.touch("user", user.arn)


@operation("iam", "DeleteServiceSpecificCredential")
def delete_service_specific_credential(call: Call) -> None:
    with call.write() as conn:
        row, user = _credential_in(conn, call)
        conn.execute(
            delete(t.service_specific_credentials).where(
                t.service_specific_credentials.c.id == row.id
            )
        )
    call.touch("user", user.arn)


@operation("iam", "ListServiceSpecificCredentials")
def list_service_specific_credentials(call: Call) -> dict[str, Any]:
    p = call.params
    service: str | None = p.get("ServiceName")
    if service is not None:
        _check_service(service)
    all_users = bool(p.get("AllUsers"))
    if all_users and p.get("UserName") is not None:
        raise InvalidInput("AllUsers cannot be specified together with UserName.")
    c = t.service_specific_credentials.c
    query = (
        select(t.service_specific_credentials, t.users.c.name.label("user_name"))
        .join(t.users, t.users.c.id == c.user_id)
        .where(c.account_id == call.account_id)
    )
    with call.runtime.store.read() as conn:
        if not all_users:
            owner = credential_owner(call, conn)
            if owner is None:
                # The root user has no service-specific credentials.
                return {"ServiceSpecificCredentials": [], "IsTruncated": False}
            query = query.where(c.user_id == owner.id)
        if service is not None:
            query = query.where(c.service_name == service)
        query, size = page_query(query, [c.id], p)
        rows = conn.execute(query).all()
    chunk, extra = finish_page(rows, size, lambda r: (r.id,))
    return {
        "ServiceSpecificCredentials": [_shape(r, r.user_name, call.now, None) for r in chunk],
        **extra,
    }
