"""SAML 2.0 identity provider records (the trust anchors of AssumeRoleWithSAML).

A provider holds the IdP's SAML metadata document, checked here to be SAML 2.0
metadata of an identity provider (parsed with defusedxml: no entity expansion,
no external resources).  Its ``validUntil`` becomes the provider's ValidUntil;
without one AWS makes it 100 years after creation.  Optional private keys (for
encrypted assertions) are kept encrypted with the keyring and never returned.
Verifying assertions is STS's business, not this module's.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
from datetime import UTC, datetime
from typing import Any

from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
from cryptography.hazmat.primitives.serialization import load_pem_private_key
from defusedxml import DefusedXmlException
from defusedxml.ElementTree import ParseError, fromstring
from sqlalchemy import Connection, and_, delete, insert, select, update

from rolecall.api.call import Call
from rolecall.api.registry import operation
from rolecall.crypto.keyring import Keyring
from rolecall.protocol.errors import EntityAlreadyExists, InvalidInput, LimitExceeded, NoSuchEntity
from rolecall.store import schema as t

from .. import arns
from ..tagging import check_request_tags, drop_all, put_tags, remove_tags, tag_list
from ._tag_pages import tag_page

TAG_TYPE = "saml-provider"
MAX_PROVIDERS = 100
MAX_PRIVATE_KEYS = 2
KEY_PURPOSE = "saml-private-key"
DEFAULT_VALIDITY_YEARS = 100
_MD = "{urn:oasis:names:tc:SAML:2.0:metadata}"


def provider_arn(account_id: str, name: str) -> str:
    """The ARN of the SAML provider ``name``."""
    return f"arn:{arns.PARTITION}:iam::{account_id}:saml-provider/{name}"


def _bad_metadata() -> InvalidInput:
    return InvalidInput("Could not parse metadata")


def metadata_valid_until(document: str) -> datetime | None:
    """The ``validUntil`` of IdP metadata, or ``None``; InvalidInput if it is not IdP metadata."""
    try:
        root = fromstring(document)
    except (ParseError, DefusedXmlException, ValueError):
        raise _bad_metadata() from None
    entity = root
    if root.tag == f"{_MD}EntitiesDescriptor":
        entity = next(
            (
                e
                for e in root.iter(f"{_MD}EntityDescriptor")
                if e.find(f"{_MD}IDPSSODescriptor") is not None
            ),
            root,
        )
    if (
        entity.tag != f"{_MD}EntityDescriptor"
        or not entity.get("entityID")
        or entity.find(f"{_MD}IDPSSODescriptor") is None
    ):
        raise _bad_metadata()
    stamp = entity.get("validUntil") or root.get("validUntil")
    if stamp is None:
        return None
    try:
        value = datetime.fromisoformat(stamp.strip())
    except ValueError:
        raise _bad_metadata() from None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _valid_until(document: str, created: datetime) -> datetime:
    found = metadata_valid_until(document)
    if found is not None:
        return found
    try:
        return created.replace(year=created.year + DEFAULT_VALIDITY_YEARS)
    except ValueError:  # 29 February
        return created.replace(year=created.year + DEFAULT_VALIDITY_YEARS, day=28)


def provider_uuid(arn: str, created: datetime) -> str:
    """The provider's SAMLProviderUUID: stable, derived from its ARN and creation time."""
    digest = hashlib.sha256(f"{arn}|{created.isoformat()}".encode()).digest()
    return base64.b32encode(digest).decode("ascii").rstrip("=")[:26]


def _new_key(call: Call, arn: str, pem: str) -> dict[str, str]:
    """A private-key entry (encrypted) for the provider's ``private_keys`` list."""
    try:
        load_pem_private_key(pem.encode(), password=None)
    except (ValueError, TypeError):
        raise InvalidInput("The private key is not a valid unencrypted PEM private key.") from None
    key_id = "".join(secrets.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") for _ in range(26))
    blob = call.runtime.keyring.encrypt(
        pem.encode(), purpose=KEY_PURPOSE, aad=f"{arn}|{key_id}".encode()
    )
    return {
        "KeyId": key_id,
        "Timestamp": call.now.isoformat(),
        "Key": base64.b64encode(blob).decode("ascii"),
    }


def decryption_keys(keyring: Keyring, arn: str, private_keys: str | None) -> list[RSAPrivateKey]:
    """The provider's private keys (stored encrypted) for decrypting SAML assertions."""
    out: list[RSAPrivateKey] = []
    for entry in json.loads(private_keys or "[]"):
        pem = keyring.decrypt(
            base64.b64decode(entry["Key"]),
            purpose=KEY_PURPOSE,
            aad=f"{arn}|{entry['KeyId']}".encode(),
        )
        key = load_pem_private_key(pem, password=None)
        if isinstance(key, RSAPrivateKey):
            out.append(key)
    return out


def find_provider(conn: Connection, account_id: str, arn: str) -> Any:
    """The provider row ``arn`` of ``account_id``, or ``None``."""
    return conn.execute(
        select(t.saml_providers).where(
            and_(t.saml_providers.c.arn == arn, t.saml_providers.c.account_id == account_id)
        )
    ).first()


def _provider(conn: Connection, call: Call, arn: str) -> Any:
    row = find_provider(conn, call.account_id, arn)
    if row is None:
        raise NoSuchEntity(f"Manifest not found for arn {arn}")
    return row


@operation("iam", "CreateSAMLProvider", secret_params=("AddPrivateKey",))
def create_saml_provider(call: Call) -> dict[str, Any]:
    p = call.params
    name: str = p["Name"]
    document: str = p["SAMLMetadataDocument"]
    tags = p.get("Tags")
    check_request_tags(TAG_TYPE, tags)
    now = call.now
    valid_until = _valid_until(document, now)
    arn = provider_arn(call.account_id, name)
    keys = [_new_key(call, arn, p["AddPrivateKey"])] if p.get("AddPrivateKey") else []
    with call.write() as conn:
        existing = conn.execute(
            select(t.saml_providers.c.name).where(t.saml_providers.c.account_id == call.account_id)
        ).all()
        # Provider names are unique per account whatever their case, like other IAM names.
        if any(r.name.lower() == name.lower() for r in existing):
            raise EntityAlreadyExists(f"Provider with name {name} already exists.")
        if len(existing) >= MAX_PROVIDERS:
            raise LimitExceeded(f"Cannot exceed quota for SAMLProvidersPerAccount: {MAX_PROVIDERS}")
        conn.execute(
            insert(t.saml_providers).values(
                arn=arn,
                account_id=call.account_id,
                name=name,
                metadata_document=document,
                valid_until=valid_until,
                created_at=now,
                assertion_encryption_mode=p.get("AssertionEncryptionMode") or "Allowed",
                private_keys=json.dumps(keys),
            )
        )
        put_tags(conn, call.account_id, TAG_TYPE, arn, tags)
    call.touch("saml-provider", arn)
    out: dict[str, Any] = {"SAMLProviderArn": arn}
    if tags:
        out["Tags"] = tag_list((tg["Key"], tg["Value"]) for tg in tags)
    return out


def _key_list(row: Any) -> list[dict[str, Any]]:
    keys: list[dict[str, Any]] = json.loads(row.private_keys or "[]")
    return keys


@operation("iam", "GetSAMLProvider")
def get_saml_provider(call: Call) -> dict[str, Any]:
    arn: str = call.params["SAMLProviderArn"]
    with call.runtime.store.read() as conn:
        row = _provider(conn, call, arn)
    return {
        "SAMLProviderUUID": provider_uuid(arn, row.created_at),
        "SAMLMetadataDocument": row.metadata_document,
        "CreateDate": row.created_at,
        "ValidUntil": row.valid_until,
        "Tags": tag_list(sorted(call.view.tags(TAG_TYPE, arn))),
        "AssertionEncryptionMode": row.assertion_encryption_mode or "Allowed",
        "PrivateKeyList": [
            {"KeyId": k["KeyId"], "Timestamp": datetime.fromisoformat(k["Timestamp"])}
            for k in _key_list(row)
        ],
    }


@operation("iam", "ListSAMLProviders")
def list_saml_providers(call: Call) -> dict[str, Any]:
    with call.runtime.store.read() as conn:
        rows = conn.execute(
            select(
                t.saml_providers.c.arn,
                t.saml_providers.c.valid_until,
                t.saml_providers.c.created_at,
            ).where(t.saml_providers.c.account_id == call.account_id)
        ).all()
    return {
        "SAMLProviderList": [
            {"Arn": r.arn, "ValidUntil": r.valid_until, "CreateDate": r.created_at}
            for r in sorted(rows, key=lambda r: r.arn)
        ]
    }


@operation("iam", "UpdateSAMLProvider", secret_params=("AddPrivateKey",))
def update_saml_provider(call: Call) -> dict[str, Any]:
    p = call.params
    arn: str = p["SAMLProviderArn"]
    values: dict[str, Any] = {}
    document: str | None = p.get("SAMLMetadataDocument")
    with call.write() as conn:
        row = _provider(conn, call, arn)
        if document is not None:
            values.update(
                metadata_document=document, valid_until=_valid_until(document, row.created_at)
            )
        if p.get("AssertionEncryptionMode"):
            values["assertion_encryption_mode"] = p["AssertionEncryptionMode"]
        keys = _key_list(row)
        remove: str | None = p.get("RemovePrivateKey")
        if remove is not None:
            if not any(k["KeyId"] == remove for k in keys):
                raise InvalidInput(f"The private key {remove} is not attached to {arn}.")
            keys = [k for k in keys if k["KeyId"] != remove]
        if p.get("AddPrivateKey"):
            if len(keys) >= MAX_PRIVATE_KEYS:
                raise LimitExceeded(
                    f"Cannot exceed quota for PrivateKeysPerSAMLProvider: {MAX_PRIVATE_KEYS}"
                )
            keys.append(_new_key(call, arn, p["AddPrivateKey"]))
        if remove is not None or p.get("AddPrivateKey"):
            values["private_keys"] = json.dumps(keys)
        if values:
            conn.execute(
                update(t.saml_providers).where(t.saml_providers.c.arn == arn).values(**values)
            )
    call.touch("saml-provider", arn)
    return {"SAMLProviderArn": arn}


@operation("iam", "DeleteSAMLProvider")
def delete_saml_provider(call: Call) -> None:
    arn: str = call.params["SAMLProviderArn"]
    with call.write() as conn:
        _provider(conn, call, arn)
        drop_all(conn, TAG_TYPE, arn)
        conn.execute(delete(t.saml_providers).where(t.saml_providers.c.arn == arn))
    call.touch("saml-provider", arn)


@operation("iam", "TagSAMLProvider")
def tag_saml_provider(call: Call) -> None:
    arn: str = call.params["SAMLProviderArn"]
    with call.write() as conn:
        _provider(conn, call, arn)
        put_tags(conn, call.account_id, TAG_TYPE, arn, call.params["Tags"])


@operation("iam", "UntagSAMLProvider")
def untag_saml_provider(call: Call) -> None:
    arn: str = call.params["SAMLProviderArn"]
    with call.write() as conn:
        _provider(conn, call, arn)
        remove_tags(conn, TAG_TYPE, arn, call.params["TagKeys"])


@operation("iam", "ListSAMLProviderTags")
def list_saml_provider_tags(call: Call) -> dict[str, Any]:
    arn: str = call.params["SAMLProviderArn"]
    with call.runtime.store.read() as conn:
        _provider(conn, call, arn)
    return tag_page(call.view.tags(TAG_TYPE, arn), call.params)
