"""Server certificates: a certificate, its optional chain and its private key.

At most 20 per account; names are unique per account case-insensitively, as for
other IAM entities.  The private key is checked against the certificate, stored
encrypted with the keyring (bound to the certificate id) and never returned.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, and_, delete, func, insert, select
from sqlalchemy.exc import IntegrityError

from rolecall.api.call import Call
from rolecall.api.registry import operation
from rolecall.protocol.errors import EntityAlreadyExists, LimitExceeded, NoSuchEntity
from rolecall.store import schema as t

from .. import arns, ids
from ..certificates import check_chain, check_private_key, parse_certificate
from ..paging import finish_page, page_query
from ..rename import authorize_new_arn, rename
from ..tagging import check_request_tags, drop_all, put_tags, remove_tags, tag_list
from ._tag_pages import tag_page

MAX_CERTIFICATES = 20
ID_PREFIX = "ASCA"
KEY_PURPOSE = "server-certificate-key"
RESOURCE = "server-certificate"


certificate_arn = arns.server_certificate_arn


def _exists(name: str) -> EntityAlreadyExists:
    return EntityAlreadyExists(f"The Server Certificate with name {name} already exists.")


def _missing(name: str) -> NoSuchEntity:
    return NoSuchEntity(f"The Server Certificate with name {name} cannot be found.")


def _metadata(row: Any) -> dict[str, Any]:
    return {
        "Path": row.path,
        "ServerCertificateName": row.name,
        "ServerCertificateId": row.id,
        "Arn": certificate_arn(row.account_id, row.path, row.name),
        "UploadDate": row.uploaded_at,
        "Expiration": row.expires_at,
    }


def _certificate_in(conn: Connection, account_id: str, name: str) -> Any:
    c = t.server_certificates.c
    row = conn.execute(
        select(t.server_certificates).where(
            and_(c.account_id == account_id, c.name_key == name.lower())
        )
    ).first()
    if row is None:
        raise _missing(name)
    return row


def _tags(conn: Connection, cert_id: str) -> list[tuple[str, str]]:
    rows = conn.execute(
        select(t.tags.c.key, t.tags.c.value).where(
            and_(t.tags.c.resource_type == RESOURCE, t.tags.c.resource_id == cert_id)
        )
    ).all()
    return sorted((r.key, r.value) for r in rows)


@operation("iam", "UploadServerCertificate", secret_params=("PrivateKey",))
def upload_server_certificate(call: Call) -> dict[str, Any]:
    p = call.params
    name: str = p["ServerCertificateName"]
    path: str = p.get("Path") or "/"
    tags = p.get("Tags")
    check_request_tags(RESOURCE, tags)
    parsed = parse_certificate(p["CertificateBody"])
    check_private_key(parsed, p["PrivateKey"])
    chain: str | None = p.get("CertificateChain")
    if chain is not None:
        check_chain(parsed, chain)
    cert_id = ids.unique_id(ID_PREFIX)
    c = t.server_certificates.c
    with call.write() as conn:
        count = conn.execute(
            select(func.count())
            .select_from(t.server_certificates)
            .where(c.account_id == call.account_id)
        ).scalar_one()
        if count >= MAX_CERTIFICATES:
            raise LimitExceeded(
                f"Cannot exceed quota for ServerCertificatesPerAccount: {MAX_CERTIFICATES}"
            )
        try:
            conn.execute(
                insert(t.server_certificates).values(
                    id=cert_id,
                    account_id=call.account_id,
                    name=name,
                    name_key=name.lower(),
                    path=path,
                    body=p["CertificateBody"],
                    chain=chain,
                    private_key_enc=call.runtime.keyring.encrypt(
                        p["PrivateKey"].encode(), purpose=KEY_PURPOSE, aad=cert_id.encode()
                    ),
                    expires_at=parsed.not_after,
                    uploaded_at=call.now,
                )
            )
        except IntegrityError:
            raise _exists(name) from None
        put_tags(conn, call.account_id, RESOURCE, cert_id, tags)
        row = _certificate_in(conn, call.account_id, name)
    call.touch(RESOURCE, certificate_arn(call.account_id, path, name))
    out: dict[str, Any] = {"ServerCertificateMetadata": _metadata(row)}
    if tags:
        out["Tags"] = tags
    return out


@operation("iam", "GetServerCertificate")
def get_server_certificate(call: Call) -> dict[str, Any]:
    with call.runtime.store.read() as conn:
        row = _certificate_in(conn, call.account_id, call.params["ServerCertificateName"])
        tags = _tags(conn, row.id)
    cert: dict[str, Any] = {
        "ServerCertificateMetadata": _metadata(row),
        "CertificateBody": row.body,
    }
    if row.chain is not None:
        cert["CertificateChain"] = row.chain
    if tags:
        cert["Tags"] = tag_list(tags)
    return {"ServerCertificate": cert}


@operation("iam", "ListServerCertificates")
def list_server_certificates(call: Call) -> dict[str, Any]:
    prefix = call.params.get("PathPrefix") or "/"
    c = t.server_certificates.c
    query = select(t.server_certificates).where(
        and_(c.account_id == call.account_id, c.path.startswith(prefix, autoescape=True))
    )
    query, size = page_query(query, [c.name_key, c.id], call.params)
    with call.runtime.store.read() as conn:
        rows = conn.execute(query).all()
    chunk, extra = finish_page(rows, size, lambda r: (r.name_key, r.id))
    return {"ServerCertificateMetadataList": [_metadata(r) for r in chunk], **extra}


@operation("iam", "UpdateServerCertificate")
def update_server_certificate(call: Call) -> None:
    p = call.params
    name: str = p["ServerCertificateName"]
    new_name: str | None = p.get("NewServerCertificateName")
    new_path: str | None = p.get("NewPath")
    if new_name is not None or new_path is not None:
        with call.runtime.store.read() as conn:
            current = _certificate_in(conn, call.account_id, name)
        authorize_new_arn(
            call,
            "iam:UpdateServerCertificate",
            lambda path, new: certificate_arn(call.account_id, path, new),
            current_path=current.path,
            name=current.name,
            new_name=new_name,
            new_path=new_path,
        )
    with call.write() as conn:
        row = _certificate_in(conn, call.account_id, name)
        if new_name is None and new_path is None:
            return
        rename(
            conn,
            t.server_certificates,
            row.id,
            name=name,
            new_name=new_name,
            new_path=new_path,
            exists=_exists,
        )
    call.touch(RESOURCE, certificate_arn(call.account_id, row.path, row.name))


@operation("iam", "DeleteServerCertificate")
def delete_server_certificate(call: Call) -> None:
    with call.write() as conn:
        row = _certificate_in(conn, call.account_id, call.params["ServerCertificateName"])
        drop_all(conn, RESOURCE, row.id)
        conn.execute(delete(t.server_certificates).where(t.server_certificates.c.id == row.id))
    call.touch(RESOURCE, certificate_arn(call.account_id, row.path, row.name))


@operation("iam", "TagServerCertificate")
def tag_server_certificate(call: Call) -> None:
    with call.write() as conn:
        row = _certificate_in(conn, call.account_id, call.params["ServerCertificateName"])
        put_tags(conn, call.account_id, RESOURCE, row.id, call.params["Tags"])


@operation("iam", "UntagServerCertificate")
def untag_server_certificate(call: Call) -> None:
    with call.write() as conn:
        row = _certificate_in(conn, call.account_id, call.params["ServerCertificateName"])
        remove_tags(conn, RESOURCE, row.id, call.params["TagKeys"])


@operation("iam", "ListServerCertificateTags")
def list_server_certificate_tags(call: Call) -> dict[str, Any]:
    with call.runtime.store.read() as conn:
        row = _certificate_in(conn, call.account_id, call.params["ServerCertificateName"])
        tags = _tags(conn, row.id)
    return tag_page(tags, call.params)
