"""OpenID Connect identity provider records (the trust anchors of AssumeRoleWithWebIdentity).

A provider is named by its issuer URL without ``https://``:
``arn:aws:iam::<account>:oidc-provider/<host>[/<path>]``.  It lists the audiences
(client ids) it issues tokens for and, optionally, the thumbprints of its TLS
certificate.  Verifying tokens is STS's business, not this module's.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import Connection, and_, delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from rolecall.api.call import Call
from rolecall.api.registry import operation
from rolecall.protocol.errors import (
    EntityAlreadyExists,
    InvalidInput,
    LimitExceeded,
    NoSuchEntity,
    ValidationError,
)
from rolecall.store import schema as t

from .. import arns
from ..tagging import check_request_tags, drop_all, put_tags, remove_tags, tag_list
from ._tag_pages import tag_page

TAG_TYPE = "oidc-provider"
MAX_PROVIDERS = 100
MAX_CLIENT_IDS = 100
MAX_THUMBPRINTS = 5
SCHEME = "https://"


def provider_arn(account_id: str, url: str) -> str:
    """The ARN of the provider for ``url`` (scheme dropped)."""
    return f"arn:{arns.PARTITION}:iam::{account_id}:oidc-provider/{url}"


def _issuer(url: str) -> str:
    """``url`` without its scheme; ValidationError unless it is an https URL with a host."""
    if not url[: len(SCHEME)].lower() == SCHEME:
        raise ValidationError("Invalid Open ID Connect Provider URL")
    rest = url[len(SCHEME) :]
    parts = urlsplit(SCHEME + rest)
    if not parts.hostname or parts.query or parts.fragment or any(c.isspace() for c in rest):
        raise ValidationError("Invalid Open ID Connect Provider URL")
    return rest


def _check_thumbprints(thumbprints: list[str]) -> None:
    if len(thumbprints) > MAX_THUMBPRINTS:
        raise InvalidInput(f"Thumbprint list must contain fewer than {MAX_THUMBPRINTS} entries.")


def _unique(values: list[str]) -> list[str]:
    """``values`` without repeats, in first-seen order."""
    return list(dict.fromkeys(values))


def _check_client_ids(client_ids: list[str]) -> None:
    if len(client_ids) > MAX_CLIENT_IDS:
        raise LimitExceeded(
            f"Cannot exceed quota for ClientIdsPerOpenIdConnectProvider: {MAX_CLIENT_IDS}"
        )


def find_provider(conn: Connection, account_id: str, arn: str) -> Any:
    """The provider row ``arn`` of ``account_id``, or ``None``."""
    return conn.execute(
        select(t.oidc_providers).where(
            and_(t.oidc_providers.c.arn == arn, t.oidc_providers.c.account_id == account_id)
        )
    ).first()


def _provider(conn: Connection, call: Call, arn: str, *, deleting: bool = False) -> Any:
    row = find_provider(conn, call.account_id, arn)
    if row is None:
        if deleting:
            raise NoSuchEntity(f"OpenId connect Provider {arn} cannot be found.")
        raise NoSuchEntity(f"OpenIDConnect Provider not found for arn {arn}")
    return row


@operation("iam", "CreateOpenIDConnectProvider")
def create_oidc_provider(call: Call) -> dict[str, Any]:
    p = call.params
    url: str = p["Url"]
    issuer = _issuer(url)
    client_ids = _unique(p.get("ClientIDList") or [])
    thumbprints = _unique(p.get("ThumbprintList") or [])
    _check_thumbprints(thumbprints)
    _check_client_ids(client_ids)
    tags = p.get("Tags")
    check_request_tags(TAG_TYPE, tags)
    arn = provider_arn(call.account_id, issuer)
    with call.write() as conn:
        count = conn.execute(
            select(func.count())
            .select_from(t.oidc_providers)
            .where(t.oidc_providers.c.account_id == call.account_id)
        ).scalar_one()
        if count >= MAX_PROVIDERS:
            raise LimitExceeded(
                f"Cannot exceed quota for OpenIdConnectProvidersPerAccount: {MAX_PROVIDERS}"
            )
        try:
            conn.execute(
                insert(t.oidc_providers).values(
                    arn=arn,
                    account_id=call.account_id,
                    url=issuer,
                    client_ids=json.dumps(client_ids),
                    thumbprints=json.dumps(thumbprints),
                    created_at=call.now,
                )
            )
        except IntegrityError:
            raise EntityAlreadyExists(f"Provider with url {url} already exists.") from None
        put_tags(conn, call.account_id, TAG_TYPE, arn, tags)
    call.touch("oidc-provider", arn)
    out: dict[str, Any] = {"OpenIDConnectProviderArn": arn}
    if tags:
        out["Tags"] = tag_list((tg["Key"], tg["Value"]) for tg in tags)
    return out


@operation("iam", "GetOpenIDConnectProvider")
def get_oidc_provider(call: Call) -> dict[str, Any]:
    arn: str = call.params["OpenIDConnectProviderArn"]
    with call.runtime.store.read() as conn:
        row = _provider(conn, call, arn)
    return {
        "Url": row.url,
        "ClientIDList": json.loads(row.client_ids),
        "ThumbprintList": json.loads(row.thumbprints),
        "CreateDate": row.created_at,
        "Tags": tag_list(sorted(call.view.tags(TAG_TYPE, arn))),
    }


@operation("iam", "ListOpenIDConnectProviders")
def list_oidc_providers(call: Call) -> dict[str, Any]:
    with call.runtime.store.read() as conn:
        rows = conn.execute(
            select(t.oidc_providers.c.arn).where(t.oidc_providers.c.account_id == call.account_id)
        ).all()
    return {"OpenIDConnectProviderList": [{"Arn": arn} for arn in sorted(r.arn for r in rows)]}


@operation("iam", "DeleteOpenIDConnectProvider")
def delete_oidc_provider(call: Call) -> None:
    arn: str = call.params["OpenIDConnectProviderArn"]
    with call.write() as conn:
        _provider(conn, call, arn, deleting=True)
        drop_all(conn, TAG_TYPE, arn)
        conn.execute(delete(t.oidc_providers).where(t.oidc_providers.c.arn == arn))
    call.touch("oidc-provider", arn)


def _set_client_ids(conn: Connection, arn: str, client_ids: list[str]) -> None:
    conn.execute(
        update(t.oidc_providers)
        .where(t.oidc_providers.c.arn == arn)
        .values(client_ids=json.dumps(client_ids))
    )


@operation("iam", "AddClientIDToOpenIDConnectProvider")
def add_client_id(call: Call) -> None:
    arn: str = call.params["OpenIDConnectProviderArn"]
    client_id: str = call.params["ClientID"]
    with call.write() as conn:
        current: list[str] = json.loads(_provider(conn, call, arn).client_ids)
        if client_id not in current:  # adding a present client id changes nothing
            current.append(client_id)
            _check_client_ids(current)
            _set_client_ids(conn, arn, current)
    call.touch("oidc-provider", arn)


@operation("iam", "RemoveClientIDFromOpenIDConnectProvider")
def remove_client_id(call: Call) -> None:
    arn: str = call.params["OpenIDConnectProviderArn"]
    client_id: str = call.params["ClientID"]
    with call.write() as conn:
        current: list[str] = json.loads(_provider(conn, call, arn).client_ids)
        if client_id in current:  # removing an absent client id is not an error
            _set_client_ids(conn, arn, [c for c in current if c != client_id])
    call.touch("oidc-provider", arn)


@operation("iam", "UpdateOpenIDConnectProviderThumbprint")
def update_thumbprints(call: Call) -> None:
    arn: str = call.params["OpenIDConnectProviderArn"]
    thumbprints = _unique(call.params["ThumbprintList"])
    _check_thumbprints(thumbprints)
    with call.write() as conn:
        _provider(conn, call, arn)
        conn.execute(
            update(t.oidc_providers)
            .where(t.oidc_providers.c.arn == arn)
            .values(thumbprints=json.dumps(thumbprints))
        )
    call.touch("oidc-provider", arn)


@operation("iam", "TagOpenIDConnectProvider")
def tag_oidc_provider(call: Call) -> None:
    arn: str = call.params["OpenIDConnectProviderArn"]
    with call.write() as conn:
        _provider(conn, call, arn)
        put_tags(conn, call.account_id, TAG_TYPE, arn, call.params["Tags"])


@operation("iam", "UntagOpenIDConnectProvider")
def untag_oidc_provider(call: Call) -> None:
    arn: str = call.params["OpenIDConnectProviderArn"]
    with call.write() as conn:
        _provider(conn, call, arn)
        remove_tags(conn, TAG_TYPE, arn, call.params["TagKeys"])


@operation("iam", "ListOpenIDConnectProviderTags")
def list_oidc_provider_tags(call: Call) -> dict[str, Any]:
    arn: str = call.params["OpenIDConnectProviderArn"]
    with call.runtime.store.read() as conn:
        _provider(conn, call, arn)
    return tag_page(call.view.tags(TAG_TYPE, arn), call.params)
