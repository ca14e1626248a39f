"""Concurrent writers never lose or half-apply a write; names stay unique under races."""

from __future__ import annotations

import json
import threading
from collections import Counter
from collections.abc import Iterator

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from conftest import BACKENDS, Account, Server, running_server  # type: ignore[import-not-found]

from rolecall.iam.accounts import create_account

TRUST = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "ec2.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
)


def _client(account: Account):  # type: ignore[no-untyped-def]
    return boto3.client(
        "iam",
        endpoint_url=account.server.endpoint,
        region_name="us-east-1",
        aws_access_key_id=account.access_key_id,
        aws_secret_access_key=account.secret_access_key,
        config=Config(retries={"max_attempts": 1}, max_pool_connections=32),
    )


def _race(account: Account, threads: int, work) -> list[str]:  # type: ignore[no-untyped-def]
    outcomes: list[str] = []
    lock = threading.Lock()

    def run(i: int) -> None:
        client = _client(account)
        try:
            work(client, i)
            result = "ok"
        except ClientError as exc:
            result = exc.response["Error"]["Code"]
        with lock:
            outcomes.append(result)

    pool = [threading.Thread(target=run, args=(i,)) for i in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    return outcomes


@pytest.fixture(scope="module", params=BACKENDS)
def two_workers(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Server]:
    # Two server processes on one store: SQLite file or PostgreSQL database.
    with running_server(
        request.param, tmp_path_factory.mktemp("workers"), "--workers", "2"
    ) as server:
        yield server


@pytest.fixture
def shared_account(two_workers: Server) -> Account:
    store = two_workers.store()
    root = create_account(store, two_workers.keyring, name="race")
    store.dispose()
    return Account(two_workers, root.account_id, root.access_key_id, root.secret_access_key)


def test_same_name_created_once(shared_account: Account) -> None:
    outcomes = _race(shared_account, 16, lambda c, i: c.create_user(UserName="same-name"))
    assert Counter(outcomes) == {"ok": 1, "EntityAlreadyExists": 15}


def test_no_lost_writes(shared_account: Account) -> None:
    outcomes = _race(
        shared_account,
        24,
        lambda c, i: c.create_role(RoleName=f"r{i}", AssumeRolePolicyDocument=TRUST),
    )
    assert outcomes.count("ok") == 24
    roles = [
        r["RoleName"]
        for p in _client(shared_account).get_paginator("list_roles").paginate()
        for r in p["Roles"]
    ]
    assert sorted(roles) == sorted(f"r{i}" for i in range(24))


def test_quota_holds_under_races(shared_account: Account) -> None:
    iam = _client(shared_account)
    arn = iam.create_policy(
        PolicyName="P",
        PolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}],
            }
        ),
    )["Policy"]["Arn"]
    outcomes = _race(
        shared_account,
        12,
        lambda c, i: c.create_policy_version(
            PolicyArn=arn,
            PolicyDocument=json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [{"Effect": "Allow", "Action": f"s3:Get{i}", "Resource": "*"}],
                }
            ),
        ),
    )
    # v1 exists: exactly four more fit under the limit of five.
    assert Counter(outcomes) == {"ok": 4, "LimitExceeded": 8}
    assert len(iam.list_policy_versions(PolicyArn=arn)["Versions"]) == 5


def test_every_request_sees_the_other_workers_writes(shared_account: Account) -> None:
    # Each call may land on either worker; a write is visible to the next request.
    iam = _client(shared_account)
    for i in range(20):
        iam.create_user(UserName=f"v{i}")
        assert iam.get_user(UserName=f"v{i}")["User"]["UserName"] == f"v{i}"
        iam.delete_user(UserName=f"v{i}")
        with pytest.raises(ClientError):
            iam.get_user(UserName=f"v{i}")
