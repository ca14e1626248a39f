"""Declarative set-up: accounts (with fixed root keys) and their IAM entities.

``rolecall serve --bootstrap FILE`` applies a YAML or JSON document such as::

    accounts:
      - id: "111122223333"
        name: lab
        root_access_key_id: AKIAIOSFODNN7EXAMPLE
        root_secret_access_key: wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY
        policies:
          - name: ReadOnly
            path: /
            document: {Version: "2012-10-17", Statement: [...]}
        groups:
          - name: devs
            managed_policies: [arn:aws:iam::111122223333:policy/ReadOnly]
        users:
          - name: alice
            groups: [devs]
            tags: {team: data}
            inline_policies: {extra: {...}}
            access_keys: [{id: AKIA..., secret: ...}]
        roles:
          - name: Deployer
            trust_policy: {...}
            managed_policies: [arn:aws:iam::aws:policy/ReadOnlyAccess]

Everything is created through the same operations the API runs (validated,
authorized as the account root, audited); what already exists is left alone, so
applying a file twice changes nothing.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import select

from rolecall.api.invoke import invoke
from rolecall.iam.accounts import account_exists, create_account, store_access_key
from rolecall.protocol.errors import AWSError
from rolecall.runtime import Runtime
from rolecall.store import schema as t


class BootstrapError(Exception):
    """The bootstrap document is invalid or could not be applied."""


def load(path: Path) -> dict[str, Any]:
    """Read a YAML or JSON bootstrap document."""
    text = path.read_text()
    try:
        data = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    except (ValueError, yaml.YAMLError) as exc:
        raise BootstrapError(f"{path}: not valid YAML/JSON: {exc}") from None
    if not isinstance(data, dict) or not isinstance(data.get("accounts", []), list):
        raise BootstrapError(f"{path}: expected a mapping with an 'accounts' list")
    return data


def apply_file(runtime: Runtime, path: Path) -> None:
    """Apply a bootstrap file."""
    apply(runtime, load(path))


def apply(runtime: Runtime, data: dict[str, Any]) -> None:
    """Apply a bootstrap document (idempotent)."""
    for spec in data.get("accounts", []):
        try:
            _account(runtime, spec)
        except AWSError as exc:
            raise BootstrapError(f"account {spec.get('id')}: {exc.code}: {exc.message}") from None


def _doc(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)


def _tags(value: dict[str, str] | None) -> list[dict[str, str]]:
    return [{"Key": k, "Value": str(v)} for k, v in (value or {}).items()]


def _exists(fn: Any) -> bool:
    try:
        fn()
    except AWSError as exc:
        if exc.code == "NoSuchEntity":
            return False
        raise
    return True


def _account(runtime: Runtime, spec: dict[str, Any]) -> None:
    account_id = str(spec["id"])
    key_id = spec.get("root_access_key_id")
    secret = spec.get("root_secret_access_key")
    if not account_exists(runtime.store, account_id):
        create_account(
            runtime.store,
            runtime.keyring,
            account_id=account_id,
            name=str(spec.get("name", account_id)),
            access_key_id=key_id,
            secret_access_key=secret,
        )
    elif key_id and secret:
        _ensure_key(runtime, account_id, None, key_id, secret)

    def call(operation: str, **params: Any) -> dict[str, Any]:
        return invoke(runtime, account_id, "iam", operation, params, source="rolecall-bootstrap")

    for policy in spec.get("policies", []):
        arn = f"arn:aws:iam::{account_id}:policy{policy.get('path', '/')}{policy['name']}"
        if not _exists(lambda arn=arn: call("GetPolicy", PolicyArn=arn)):
            policy_params = {
                "PolicyName": policy["name"],
                "PolicyDocument": _doc(policy["document"]),
            }
            if policy.get("path"):
                policy_params["Path"] = policy["path"]
            if policy.get("description"):
                policy_params["Description"] = policy["description"]
            call("CreatePolicy", **policy_params)
    for group in spec.get("groups", []):
        name = group["name"]
        if not _exists(lambda name=name: call("GetGroup", GroupName=name)):
            call(
                "CreateGroup",
                GroupName=name,
                **({"Path": group["path"]} if group.get("path") else {}),
            )
        _policies(call, "Group", name, group)
    for user in spec.get("users", []):
        name = user["name"]
        if not _exists(lambda name=name: call("GetUser", UserName=name)):
            params: dict[str, Any] = {"UserName": name}
            if user.get("path"):
                params["Path"] = user["path"]
            if user.get("tags"):
                params["Tags"] = _tags(user["tags"])
            if user.get("permissions_boundary"):
                params["PermissionsBoundary"] = user["permissions_boundary"]
            call("CreateUser", **params)
        for group_name in user.get("groups", []):
            call("AddUserToGroup", GroupName=group_name, UserName=name)
        _policies(call, "User", name, user)
        for key in user.get("access_keys", []):
            user_id = call("GetUser", UserName=name)["User"]["UserId"]
            _ensure_key(runtime, account_id, user_id, key["id"], key["secret"])
    for role in spec.get("roles", []):
        name = role["name"]
        if not _exists(lambda name=name: call("GetRole", RoleName=name)):
            role_params: dict[str, Any] = {
                "RoleName": name,
                "AssumeRolePolicyDocument": _doc(role["trust_policy"]),
            }
            for key, param in (
                ("path", "Path"),
                ("description", "Description"),
                ("max_session_duration", "MaxSessionDuration"),
                ("permissions_boundary", "PermissionsBoundary"),
            ):
                if role.get(key) is not None:
                    role_params[param] = role[key]
            if role.get("tags"):
                role_params["Tags"] = _tags(role["tags"])
            call("CreateRole", **role_params)
        _policies(call, "Role", name, role)


def _policies(call: Any, noun: str, name: str, spec: dict[str, Any]) -> None:
    for policy_name, document in (spec.get("inline_policies") or {}).items():
        call(
            f"Put{noun}Policy",
            **{f"{noun}Name": name, "PolicyName": policy_name, "PolicyDocument": _doc(document)},
        )
    for arn in spec.get("managed_policies", []):
        call(f"Attach{noun}Policy", **{f"{noun}Name": name, "PolicyArn": arn})


def _ensure_key(
    runtime: Runtime, account_id: str, user_id: str | None, key_id: str, secret: str
) -> None:
    with runtime.store.read() as conn:
        row = conn.execute(select(t.access_keys.c.id).where(t.access_keys.c.id == key_id)).first()
    if row is not None:
        return
    with runtime.store.write(account_id) as conn:
        store_access_key(
            conn, runtime.keyring, account_id, key_id, secret, datetime.now(UTC), user_id
        )
