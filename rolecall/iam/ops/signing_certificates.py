"""X.509 signing certificates of IAM users (and the root user): at most two each.

``UserName`` is optional throughout: omitted, the operation acts on the caller
(the root user's own certificates when the root user calls), so users can
manage their certificates with their own keys.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, and_, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from rolecall.api.call import Call
from rolecall.api.registry import operation
from rolecall.protocol.errors import InvalidInput, LimitExceeded, NoSuchEntity
from rolecall.store import schema as t

from ..certificates import DuplicateCertificate, parse_certificate, signing_certificate_id
from ..owners import credential_owner
from ..paging import finish_page, page_query
from ..records import UserRecord

MAX_CERTIFICATES = 2


def _owned_by(owner: UserRecord | None) -> Any:
    c = t.signing_certificates.c
    return c.user_id.is_(None) if owner is None else c.user_id == owner.id


def _duplicate() -> DuplicateCertificate:
    return DuplicateCertificate("The Certificate already exists.")


def _shape(owner: UserRecord | None, row: Any) -> dict[str, Any]:
    out: dict[str, Any] = {
        "CertificateId": row.id,
        "CertificateBody": row.body,
        "Status": row.status,
        "UploadDate": row.uploaded_at,
    }
    if owner is not None:
        out = {"UserName": owner.name, **out}
    return out


@operation("iam", "UploadSigningCertificate")
def upload_signing_certificate(call: Call) -> dict[str, Any]:
    body: str = call.params["CertificateBody"]
    parsed = parse_certificate(body)
    cert_id = signing_certificate_id(parsed)
    c = t.signing_certificates.c
    with call.write() as conn:
        owner = credential_owner(call, conn)
        taken = conn.execute(
            select(c.id).where(and_(c.account_id == call.account_id, c.id == cert_id))
        ).first()
        if taken is not None:
            raise _duplicate()
        count = len(
            conn.execute(
                select(c.id).where(and_(c.account_id == call.account_id, _owned_by(owner)))
            ).all()
        )
        if count >= MAX_CERTIFICATES:
            raise LimitExceeded(
                f"Cannot exceed quota for SigningCertificatesPerUser: {MAX_CERTIFICATES}"
            )
        try:
            conn.execute(
                insert(t.signing_certificates).values(
                    account_id=call.account_id,
                    id=cert_id,
                    user_id=owner.id if owner else None,
                    body=body,
                    status="Active",
                    uploaded_at=call.now,
                )
            )
        except IntegrityError:
            raise _duplicate() from None
        row = conn.execute(
            select(t.signing_certificates).where(
                and_(c.account_id == call.account_id, c.id == cert_id)
            )
        ).one()
    if owner is not None:
        call.touch("user", owner.arn)
    return {"Certificate": _shape(owner, row)}


def _certificate_in(conn: Connection, call: Call, owner: UserRecord | None, cert_id: str) -> Any:
    c = t.signing_certificates.c
    row = conn.execute(
        select(t.signing_certificates).where(
            and_(c.account_id == call.account_id, c.id == cert_id, _owned_by(owner))
        )
    ).first()
    if row is None:
        raise NoSuchEntity(f"The Certificate with id {cert_id} cannot be found.")
    return row


@operation("iam", "ListSigningCertificates")
def list_signing_certificates(call: Call) -> dict[str, Any]:
    c = t.signing_certificates.c
    with call.runtime.store.read() as conn:
        owner = credential_owner(call, conn)
        query, size = page_query(
            select(t.signing_certificates).where(
                and_(c.account_id == call.account_id, _owned_by(owner))
            ),
            [c.id],
            call.params,
        )
        rows = conn.execute(query).all()
    chunk, extra = finish_page(rows, size, lambda r: (r.id,))
    return {"Certificates": [_shape(owner, r) for r in chunk], **extra}


@operation("iam", "UpdateSigningCertificate")
def update_signing_certificate(call: Call) -> None:
    status: str = call.params["Status"]
    if status == "Expired":
        raise InvalidInput("Status 'Expired' cannot be set by UpdateSigningCertificate.")
    c = t.signing_certificates.c
    with call.write() as conn:
        owner = credential_owner(call, conn)
        row = _certificate_in(conn, call, owner, call.params["CertificateId"])
        conn.execute(
            update(t.signing_certificates)
            .where(and_(c.account_id == call.account_id, c.id == row.id))
            .values(status=status)
        )
    if owner is not None:
        call.touch("user", owner.arn)


@operation("iam", "DeleteSigningCertificate")
def delete_signing_certificate(call: Call) -> None:
    c = t.signing_certificates.c
    with call.write() as conn:
        owner = credential_owner(call, conn)
        row = _certificate_in(conn, call, owner, call.params["CertificateId"])
        conn.execute(
            delete(t.signing_certificates).where(
                and_(c.account_id == call.account_id, c.id == row.id)
            )
        )
    if owner is not None:
        call.touch("user", owner.arn)
