"""Encoded authorization failure messages and sts:DecodeAuthorizationMessage."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

import pytest
from botocore.exceptions import ClientError
from conftest import Account, Server, running_server  # type: ignore[import-not-found]

from rolecall.iam.accounts import create_account


@pytest.fixture(scope="module")
def encoding_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with running_server(
        "sqlite", tmp_path_factory.mktemp("encoding"), "--encode-authorization-messages"
    ) as srv:
        yield srv


def test_decode_authorization_message(encoding_server: Server) -> None:
    store = encoding_server.store()
    root = create_account(store, encoding_server.keyring, name="enc")
    store.dispose()
    account = Account(encoding_server, root.account_id, root.access_key_id, root.secret_access_key)
    iam = account.client("iam")
    iam.create_user(UserName="limited")
    key = iam.create_access_key(UserName="limited")["AccessKey"]
    limited = account.client("iam", key["AccessKeyId"], key["SecretAccessKey"])
    with pytest.raises(ClientError) as exc:
        limited.list_roles()
    message = exc.value.response["Error"]["Message"]
    match = re.search(r"Encoded authorization failure message: (\S+)$", message)
    assert match, message
    encoded = match.group(1)
    # The user may not decode it; the root user may.
    with pytest.raises(ClientError) as denied:
        account.client(
            "sts", key["AccessKeyId"], key["SecretAccessKey"]
        ).decode_authorization_message(EncodedMessage=encoded)
    assert denied.value.response["Error"]["Code"] == "AccessDenied"
    decoded = json.loads(
        account.client("sts").decode_authorization_message(EncodedMessage=encoded)["DecodedMessage"]
    )
    assert decoded["allowed"] is False and decoded["explicitDeny"] is False
    assert decoded["context"]["action"] == "iam:ListRoles"
    assert decoded["context"]["principal"]["arn"] == f"arn:aws:iam::{account.id}:user/limited"
    keys = {item["key"] for item in decoded["context"]["conditions"]["items"]}
    assert {"aws:username", "aws:sourceip", "aws:currenttime"} <= keys
    with pytest.raises(ClientError) as bad:
        account.client("sts").decode_authorization_message(EncodedMessage=encoded[:-4] + "AAAA")
    assert bad.value.response["Error"]["Code"] == "InvalidAuthorizationMessageException"
