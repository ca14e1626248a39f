"""SSH public keys of IAM users through boto3."""

from __future__ import annotations

import base64
import hashlib
from typing import Any

import pytest
from botocore.exceptions import ClientError
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa
from identity_helpers import allow, error_of, user_client


def _rsa(bits: int = 2048) -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=bits)


def openssh(key: Any, comment: str = "me@host") -> str:
    """The key as an ``authorized_keys`` line."""
    line = key.public_key().public_bytes(
        serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH
    )
    return f"{line.decode()} {comment}"


def pem(key: Any) -> str:
    """The public key as PEM (SubjectPublicKeyInfo)."""
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


def md5_fingerprint(key: Any) -> str:
    """What ``ssh-keygen -l -E md5`` prints (without the ``MD5:`` prefix)."""
    blob = base64.b64decode(openssh(key).split()[1])
    digest = hashlib.md5(blob, usedforsecurity=False).hexdigest()
    return ":".join(digest[i : i + 2] for i in range(0, 32, 2))


@pytest.fixture(scope="module")
def keys() -> list[rsa.RSAPrivateKey]:
    return [_rsa() for _ in range(6)]


def _upload(iam: Any, user: str, body: str) -> dict[str, Any]:
    return iam.upload_ssh_public_key(UserName=user, SSHPublicKeyBody=body)["SSHPublicKey"]  # type: ignore[no-any-return]


def test_upload_get_update_delete(iam, keys) -> None:  # type: ignore[no-untyped-def]
    iam.create_user(UserName="dev")
    body = openssh(keys[0])
    key = _upload(iam, "dev", body)
    assert key["UserName"] == "dev" and key["Status"] == "Active"
    assert key["SSHPublicKeyId"].startswith("APKA") and len(key["SSHPublicKeyId"]) == 21
    assert key["Fingerprint"] == md5_fingerprint(keys[0])
    assert key["SSHPublicKeyBody"] == body
    key_id = key["SSHPublicKeyId"]

    ssh = iam.get_ssh_public_key(UserName="dev", SSHPublicKeyId=key_id, Encoding="SSH")
    assert ssh["SSHPublicKey"]["SSHPublicKeyBody"] == body
    as_pem = iam.get_ssh_public_key(UserName="dev", SSHPublicKeyId=key_id, Encoding="PEM")
    assert as_pem["SSHPublicKey"]["SSHPublicKeyBody"].strip() == pem(keys[0]).strip()
    assert as_pem["SSHPublicKey"]["Fingerprint"] == key["Fingerprint"]

    listed = iam.list_ssh_public_keys(UserName="dev")
    assert listed["SSHPublicKeys"] == [
        {
            "UserName": "dev",
            "SSHPublicKeyId": key_id,
            "Status": "Active",
            "UploadDate": key["UploadDate"],
        }
    ]
    iam.update_ssh_public_key(UserName="dev", SSHPublicKeyId=key_id, Status="Inactive")
    got = iam.get_ssh_public_key(UserName="dev", SSHPublicKeyId=key_id, Encoding="SSH")
    assert got["SSHPublicKey"]["Status"] == "Inactive"

    # A key uploaded as PEM is shown in OpenSSH form on request.
    pem_key = _upload(iam, "dev", pem(keys[1]))
    back = iam.get_ssh_public_key(
        UserName="dev", SSHPublicKeyId=pem_key["SSHPublicKeyId"], Encoding="SSH"
    )
    assert back["SSHPublicKey"]["SSHPublicKeyBody"] == openssh(keys[1]).rsplit(" ", 1)[0]

    iam.delete_ssh_public_key(UserName="dev", SSHPublicKeyId=key_id)
    with pytest.raises(ClientError) as exc:
        iam.get_ssh_public_key(UserName="dev", SSHPublicKeyId=key_id, Encoding="SSH")
    assert error_of(exc) == (
        "NoSuchEntity",
        f"The Public Key with id {key_id} cannot be found.",
        404,
    )
    with pytest.raises(ClientError) as exc:
        iam.delete_ssh_public_key(UserName="dev", SSHPublicKeyId=key_id)
    assert error_of(exc)[0] == "NoSuchEntity"
    # Another user cannot reach dev's key by id.
    iam.create_user(UserName="other")
    with pytest.raises(ClientError) as exc:
        iam.update_ssh_public_key(
            UserName="other", SSHPublicKeyId=pem_key["SSHPublicKeyId"], Status="Active"
        )
    assert error_of(exc)[0] == "NoSuchEntity"
    with pytest.raises(ClientError) as exc:
        iam.list_ssh_public_keys(UserName="ghost")
    assert error_of(exc)[0::2] == ("NoSuchEntity", 404)


def test_invalid_keys(iam, keys) -> None:  # type: ignore[no-untyped-def]
    iam.create_user(UserName="dev")
    cases = [
        ("hello world", "UnrecognizedPublicKeyEncoding"),
        (openssh(ed25519.Ed25519PrivateKey.generate()), "UnrecognizedPublicKeyEncoding"),
        (pem(ed25519.Ed25519PrivateKey.generate()), "UnrecognizedPublicKeyEncoding"),
        ("ssh-rsa AAAAnotbase64!! me", "InvalidPublicKey"),
        ("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----", "InvalidPublicKey"),
        (openssh(_rsa(1024)), "InvalidPublicKey"),
    ]
    for body, code in cases:
        with pytest.raises(ClientError) as exc:
            _upload(iam, "dev", body)
        assert error_of(exc)[0::2] == (code, 400), body
    with pytest.raises(ClientError) as exc:
        _upload(iam, "ghost", openssh(keys[0]))
    assert error_of(exc)[0] == "NoSuchEntity"
    assert iam.list_ssh_public_keys(UserName="dev")["SSHPublicKeys"] == []


def test_duplicates_and_quota(iam, keys) -> None:  # type: ignore[no-untyped-def]
    iam.create_user(UserName="dev")
    _upload(iam, "dev", openssh(keys[0]))
    # The same key again, in either encoding, is a duplicate.
    for body in (openssh(keys[0], "other-comment"), pem(keys[0])):
        with pytest.raises(ClientError) as exc:
            _upload(iam, "dev", body)
        assert error_of(exc)[0::2] == ("DuplicateSSHPublicKey", 400)
    # ... but another user may use it.
    iam.create_user(UserName="peer")
    _upload(iam, "peer", openssh(keys[0]))
    for key in keys[1:5]:
        _upload(iam, "dev", openssh(key))
    with pytest.raises(ClientError) as exc:
        _upload(iam, "dev", openssh(keys[5]))
    assert error_of(exc) == (
        "LimitExceeded",
        "Cannot exceed quota for SSHPublicKeysPerUser: 5",
        409,
    )
    first = iam.list_ssh_public_keys(UserName="dev", MaxItems=3)
    assert first["IsTruncated"] and len(first["SSHPublicKeys"]) == 3
    rest = iam.list_ssh_public_keys(UserName="dev", Marker=first["Marker"])
    assert not rest["IsTruncated"] and len(rest["SSHPublicKeys"]) == 2
    ids = {k["SSHPublicKeyId"] for k in first["SSHPublicKeys"] + rest["SSHPublicKeys"]}
    assert len(ids) == 5


def test_delete_user_conflict(iam, keys) -> None:  # type: ignore[no-untyped-def]
    iam.create_user(UserName="dev")
    key_id = _upload(iam, "dev", openssh(keys[0]))["SSHPublicKeyId"]
    with pytest.raises(ClientError) as exc:
        iam.delete_user(UserName="dev")
    assert error_of(exc) == (
        "DeleteConflict",
        "Cannot delete entity, must remove referenced objects first.",
        409,
    )
    iam.delete_ssh_public_key(UserName="dev", SSHPublicKeyId=key_id)
    iam.delete_user(UserName="dev")


def test_authorization_and_own_keys(iam, account, keys) -> None:  # type: ignore[no-untyped-def]
    iam.create_user(UserName="target")
    key_id = _upload(iam, "target", openssh(keys[0]))["SSHPublicKeyId"]
    nobody = user_client(iam, account, "nobody")
    with pytest.raises(ClientError) as exc:
        nobody.list_ssh_public_keys(UserName="target")
    assert error_of(exc)[0::2] == ("AccessDenied", 403)
    with pytest.raises(ClientError) as exc:
        nobody.get_ssh_public_key(UserName="target", SSHPublicKeyId=key_id, Encoding="SSH")
    assert error_of(exc)[0] == "AccessDenied"
    with pytest.raises(ClientError) as exc:
        _upload(nobody, "target", openssh(keys[1]))
    assert error_of(exc)[0] == "AccessDenied"
    # A user allowed on its own ARN lists its keys without naming itself.
    me = user_client(
        iam,
        account,
        "me",
        allow(
            ["iam:UploadSSHPublicKey", "iam:ListSSHPublicKeys"],
            f"arn:aws:iam::{account.id}:user/me",
        ),
    )
    own = _upload(me, "me", openssh(keys[2]))
    assert me.list_ssh_public_keys()["SSHPublicKeys"][0]["SSHPublicKeyId"] == own["SSHPublicKeyId"]
    with pytest.raises(ClientError) as exc:
        me.list_ssh_public_keys(UserName="target")
    assert error_of(exc)[0] == "AccessDenied"
    # The root user has no SSH keys of its own.
    assert iam.list_ssh_public_keys()["SSHPublicKeys"] == []
