"""Virtual MFA devices through boto3 and the AWS CLI.

Codes are computed with pyotp from the seed the server hands out.  Without moving
any clock, tests use codes of nearby time steps: enabling with the codes of two
steps ago leaves the two latest steps for a later resync.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator

import pyotp
import pytest
from botocore.exceptions import ClientError
from identity_helpers import aws_cli
from sqlalchemy import select

from rolecall.iam import mfa
from rolecall.store import schema as t


def _error(exc: pytest.ExceptionInfo[ClientError]) -> tuple[str, int, str]:
    response = exc.value.response
    return (
        response["Error"]["Code"],
        response["ResponseMetadata"]["HTTPStatusCode"],
        response["Error"]["Message"],
    )


def _seed(device: dict[str, object]) -> str:
    raw = device["Base32StringSeed"]
    return raw.decode() if isinstance(raw, bytes) else str(raw)


def codes(seed: str, *offsets: int) -> list[str]:
    """Codes for the time steps ``now + offset``."""
    step = int(time.time() // 30)
    totp = pyotp.TOTP(seed)
    return [totp.generate_otp(step + offset) for offset in offsets]


def _create(iam, name: str, **kwargs):  # type: ignore[no-untyped-def]
    return iam.create_virtual_mfa_device(VirtualMFADeviceName=name, **kwargs)["VirtualMFADevice"]


def _enable(iam, user: str, device, offsets: tuple[int, int] = (-3, -2)) -> None:  # type: ignore[no-untyped-def]
    first, second = codes(_seed(device), *offsets)
    iam.enable_mfa_device(
        UserName=user,
        SerialNumber=device["SerialNumber"],
        AuthenticationCode1=first,
        AuthenticationCode2=second,
    )


def test_create_and_delete(iam, account, server_store) -> None:  # type: ignore[no-untyped-def]
    device = _create(iam, "phone")
    serial = device["SerialNumber"]
    assert serial == f"arn:aws:iam::{account.id}:mfa/phone"
    seed = _seed(device)
    assert len(seed) == 64
    assert pyotp.TOTP(seed).now().isdigit()
    png = device["QRCodePNG"]
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    assert "Tags" not in device
    with_path = _create(iam, "phone", Path="/team/a/")
    assert with_path["SerialNumber"] == f"arn:aws:iam::{account.id}:mfa/team/a/phone"
    doubled = _create(iam, "odd", Path="/test//double/")
    assert doubled["SerialNumber"] == f"arn:aws:iam::{account.id}:mfa/test//double/odd"
    with pytest.raises(ClientError) as exc:
        _create(iam, "phone")
    assert _error(exc) == ("EntityAlreadyExists", 409, "MFA device already exists.")

    # The seed is stored encrypted, bound to the serial number.
    with server_store.read() as conn:
        blob = conn.execute(
            select(t.mfa_devices.c.seed_enc).where(t.mfa_devices.c.serial_number == serial)
        ).scalar_one()
    assert seed.encode() not in blob
    assert mfa.seed_base32(mfa.decrypt_seed(account.server.keyring, blob, serial)) == seed

    listed = iam.list_virtual_mfa_devices()["VirtualMFADevices"]
    assert sorted(d["SerialNumber"] for d in listed) == sorted(
        [serial, with_path["SerialNumber"], doubled["SerialNumber"]]
    )
    assert all(set(d) == {"SerialNumber"} for d in listed)

    iam.delete_virtual_mfa_device(SerialNumber=serial)
    with pytest.raises(ClientError) as exc:
        iam.delete_virtual_mfa_device(SerialNumber=serial)
    assert _error(exc) == (
        "NoSuchEntity",
        404,
        f"MFA Device with serial number {serial} does not exist.",
    )
    assert serial not in [
        d["SerialNumber"] for d in iam.list_virtual_mfa_devices()["VirtualMFADevices"]
    ]


def test_seeds_stay_out_of_the_audit_trail(iam, account, server_store) -> None:  # type: ignore[no-untyped-def]
    device = _create(iam, "audited")
    seed = _seed(device)
    with server_store.read() as conn:
        records = conn.execute(
            select(t.audit_events.c.record).where(
                t.audit_events.c.account_id == account.id,
                t.audit_events.c.event_name == "CreateVirtualMFADevice",
            )
        ).all()
    assert records, "the call was audited"
    text = records[0].record
    assert seed not in text
    assert "HIDDEN_DUE_TO_SECURITY_REASONS" in text
    assert device["SerialNumber"] in text


def test_enable_list_get_deactivate(iam, account) -> None:  # type: ignore[no-untyped-def]
    iam.create_user(UserName="alice")
    device = _create(iam, "alice")
    serial = device["SerialNumber"]
    assert iam.list_mfa_devices(UserName="alice")["MFADevices"] == []
    _enable(iam, "alice", device)

    listed = iam.list_mfa_devices(UserName="alice")
    assert listed["IsTruncated"] is False
    [entry] = listed["MFADevices"]
    assert entry["UserName"] == "alice"
    assert entry["SerialNumber"] == serial
    assert "EnableDate" in entry
    got = iam.get_mfa_device(UserName="alice", SerialNumber=serial)
    assert (got["UserName"], got["SerialNumber"]) == ("alice", serial)

    assigned = iam.list_virtual_mfa_devices(AssignmentStatus="Assigned")["VirtualMFADevices"]
    assert [d["SerialNumber"] for d in assigned] == [serial]
    user = assigned[0]["User"]
    assert user["UserName"] == "alice"
    assert user["Arn"] == f"arn:aws:iam::{account.id}:user/alice"
    assert "EnableDate" in assigned[0]
    assert iam.list_virtual_mfa_devices(AssignmentStatus="Unassigned")["VirtualMFADevices"] == []

    with pytest.raises(ClientError) as exc:
        iam.delete_user(UserName="alice")
    assert _error(exc) == (
        "DeleteConflict",
        409,
        "Cannot delete entity, must delete MFA device first.",
    )
    with pytest.raises(ClientError) as exc:
        iam.delete_virtual_mfa_device(SerialNumber=serial)
    assert _error(exc)[:2] == ("DeleteConflict", 409)

    iam.deactivate_mfa_device(UserName="alice", SerialNumber=serial)
    assert iam.list_mfa_devices(UserName="alice")["MFADevices"] == []
    unassigned = iam.list_virtual_mfa_devices(AssignmentStatus="Unassigned")["VirtualMFADevices"]
    assert unassigned == [{"SerialNumber": serial}]
    with pytest.raises(ClientError) as exc:
        iam.get_mfa_device(UserName="alice", SerialNumber=serial)
    assert _error(exc)[:2] == ("NoSuchEntity", 404)
    iam.delete_virtual_mfa_device(SerialNumber=serial)
    iam.delete_user(UserName="alice")


def test_enable_refuses_bad_codes(iam) -> None:  # type: ignore[no-untyped-def]
    iam.create_user(UserName="bob")
    device = _create(iam, "bob")
    serial = device["SerialNumber"]
    seed = _seed(device)
    bad = ("InvalidAuthenticationCode", 403, "Authentication code for device is not valid.")
    now, nxt = codes(seed, 0, 1)
    wrong = f"{(int(now) + 1) % 1_000_000:06d}"
    old1, old2 = codes(seed, -30, -29)
    for first, second in ((wrong, nxt), (nxt, now), (now, now), (old1, old2), (now, wrong)):
        if (first, second) == (now, nxt):
            continue  # a coincidentally valid pair
        with pytest.raises(ClientError) as exc:
            iam.enable_mfa_device(
                UserName="bob",
                SerialNumber=serial,
                AuthenticationCode1=first,
                AuthenticationCode2=second,
            )
        assert _error(exc) == bad
    assert iam.list_mfa_devices(UserName="bob")["MFADevices"] == []
    _enable(iam, "bob", device, (0, 1))
    with pytest.raises(ClientError) as exc:
        _enable(iam, "bob", device)
    assert _error(exc) == ("EntityAlreadyExists", 409, "MFA Device is already in use.")


def test_enable_and_deactivate_errors(iam, account) -> None:  # type: ignore[no-untyped-def]
    device = _create(iam, "spare")
    serial = device["SerialNumber"]
    with pytest.raises(ClientError) as exc:
        iam.enable_mfa_device(
            UserName="nonexistent-user",
            SerialNumber=serial,
            AuthenticationCode1="123456",
            AuthenticationCode2="654321",
        )
    assert _error(exc) == (
        "NoSuchEntity",
        404,
        "The user with name nonexistent-user cannot be found.",
    )
    with pytest.raises(ClientError) as exc:
        iam.deactivate_mfa_device(UserName="nonexistent-user", SerialNumber=serial)
    assert _error(exc) == (
        "NoSuchEntity",
        404,
        "The user with name nonexistent-user cannot be found.",
    )
    iam.create_user(UserName="carol")
    missing = f"arn:aws:iam::{account.id}:mfa/nonexistent-mfa"
    not_there = ("NoSuchEntity", 404, f"MFA Device with serial number {missing} does not exist.")
    with pytest.raises(ClientError) as exc:
        iam.deactivate_mfa_device(UserName="carol", SerialNumber=missing)
    assert _error(exc) == not_there
    with pytest.raises(ClientError) as exc:
        iam.enable_mfa_device(
            UserName="carol",
            SerialNumber=missing,
            AuthenticationCode1="123456",
            AuthenticationCode2="654321",
        )
    assert _error(exc) == not_there
    # A device assigned to someone else cannot be deactivated through another user.
    iam.create_user(UserName="dave")
    _enable(iam, "dave", device)
    with pytest.raises(ClientError) as exc:
        iam.deactivate_mfa_device(UserName="carol", SerialNumber=serial)
    assert _error(exc)[:2] == ("NoSuchEntity", 404)
    for call in (
        lambda: iam.tag_mfa_device(SerialNumber=missing, Tags=[{"Key": "k", "Value": "v"}]),
        lambda: iam.untag_mfa_device(SerialNumber=missing, TagKeys=["k"]),
        lambda: iam.list_mfa_device_tags(SerialNumber=missing),
    ):
        with pytest.raises(ClientError) as exc:
            call()
        assert _error(exc) == not_there


def test_resync_and_code_reuse(iam) -> None:  # type: ignore[no-untyped-def]
    iam.create_user(UserName="erin")
    device = _create(iam, "erin")
    serial = device["SerialNumber"]
    seed = _seed(device)
    _enable(iam, "erin", device, (-3, -2))
    bad = ("InvalidAuthenticationCode", 403, "Authentication code for device is not valid.")
    # The steps used to enable cannot be used again.
    first, second = codes(seed, -3, -2)
    with pytest.raises(ClientError) as exc:
        iam.resync_mfa_device(
            UserName="erin",
            SerialNumber=serial,
            AuthenticationCode1=first,
            AuthenticationCode2=second,
        )
    assert _error(exc) == bad
    first, second = codes(seed, -1, 0)
    iam.resync_mfa_device(
        UserName="erin", SerialNumber=serial, AuthenticationCode1=first, AuthenticationCode2=second
    )
    for pair in ((-1, 0), (0, 1)):
        first, second = codes(seed, *pair)
        with pytest.raises(ClientError) as exc:
            iam.resync_mfa_device(
                UserName="erin",
                SerialNumber=serial,
                AuthenticationCode1=first,
                AuthenticationCode2=second,
            )
        assert _error(exc) == bad
    iam.create_user(UserName="frank")
    with pytest.raises(ClientError) as exc:
        iam.resync_mfa_device(
            UserName="frank",
            SerialNumber=serial,
            AuthenticationCode1="123456",
            AuthenticationCode2="234567",
        )
    assert _error(exc)[:2] == ("NoSuchEntity", 404)


def test_devices_per_user_quota(iam) -> None:  # type: ignore[no-untyped-def]
    iam.create_user(UserName="gina")
    devices = [_create(iam, f"gina-{i}") for i in range(9)]
    for device in devices[:8]:
        _enable(iam, "gina", device)
    with pytest.raises(ClientError) as exc:
        _enable(iam, "gina", devices[8])
    assert _error(exc) == (
        "LimitExceeded",
        409,
        "Cannot exceed quota for MFADevicesInUsePerUser: 8",
    )
    listed = iam.list_mfa_devices(UserName="gina", MaxItems=5)
    assert len(listed["MFADevices"]) == 5 and listed["IsTruncated"] is True
    rest = iam.list_mfa_devices(UserName="gina", Marker=listed["Marker"])
    assert len(rest["MFADevices"]) == 3 and rest["IsTruncated"] is False
    serials = [d["SerialNumber"] for d in listed["MFADevices"] + rest["MFADevices"]]
    assert serials == sorted(d["SerialNumber"] for d in devices[:8])


def test_list_virtual_paging_and_filters(iam) -> None:  # type: ignore[no-untyped-def]
    iam.create_user(UserName="hank")
    devices = [_create(iam, f"d{i}") for i in range(5)]
    _enable(iam, "hank", devices[1])
    _enable(iam, "hank", devices[3])
    serials = [d["SerialNumber"] for d in devices]
    seen = []
    marker = None
    while True:
        page = iam.list_virtual_mfa_devices(MaxItems=2, **({"Marker": marker} if marker else {}))
        seen += page["VirtualMFADevices"]
        if not page["IsTruncated"]:
            break
        marker = page["Marker"]
    assert [d["SerialNumber"] for d in seen] == serials
    assert ["User" in d for d in seen] == [False, True, False, True, False]
    any_status = iam.list_virtual_mfa_devices(AssignmentStatus="Any")["VirtualMFADevices"]
    assert [d["SerialNumber"] for d in any_status] == serials
    assigned = iam.list_virtual_mfa_devices(AssignmentStatus="Assigned", MaxItems=1)
    assert [d["SerialNumber"] for d in assigned["VirtualMFADevices"]] == [serials[1]]
    more = iam.list_virtual_mfa_devices(AssignmentStatus="Assigned", Marker=assigned["Marker"])
    assert [d["SerialNumber"] for d in more["VirtualMFADevices"]] == [serials[3]]
    unassigned = iam.list_virtual_mfa_devices(AssignmentStatus="Unassigned")
    assert [d["SerialNumber"] for d in unassigned["VirtualMFADevices"]] == [
        serials[0],
        serials[2],
        serials[4],
    ]
    with pytest.raises(ClientError) as exc:
        iam.list_virtual_mfa_devices(Marker="invalid-marker-value")
    assert _error(exc)[1] == 400


def test_user_manages_own_device_without_user_name(iam, account) -> None:  # type: ignore[no-untyped-def]
    iam.create_user(UserName="ivy")
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": [
                    "iam:ListMFADevices",
                    "iam:DeactivateMFADevice",
                    "iam:GetMFADevice",
                    "iam:EnableMFADevice",
                ],
                "Resource": "arn:aws:iam::*:user/${aws:username}",
            },
            {
                "Effect": "Allow",
                "Action": "iam:CreateVirtualMFADevice",
                "Resource": "arn:aws:iam::*:mfa/${aws:username}",
            },
        ],
    }
    iam.put_user_policy(UserName="ivy", PolicyName="self", PolicyDocument=json.dumps(policy))
    key = iam.create_access_key(UserName="ivy")["AccessKey"]
    ivy = account.client("iam", key["AccessKeyId"], key["SecretAccessKey"])
    device = _create(ivy, "ivy")
    with pytest.raises(ClientError) as exc:
        _create(ivy, "someone-else")
    assert _error(exc)[0] == "AccessDenied"
    _enable(ivy, "ivy", device)
    [mine] = ivy.list_mfa_devices()["MFADevices"]
    assert (mine["UserName"], mine["SerialNumber"]) == ("ivy", device["SerialNumber"])
    assert ivy.get_mfa_device(SerialNumber=device["SerialNumber"])["UserName"] == "ivy"
    iam.create_user(UserName="other")
    with pytest.raises(ClientError) as exc:
        ivy.list_mfa_devices(UserName="other")
    assert _error(exc)[0] == "AccessDenied"
    ivy.deactivate_mfa_device(SerialNumber=device["SerialNumber"])
    assert ivy.list_mfa_devices()["MFADevices"] == []


def test_root_virtual_mfa(iam, account) -> None:  # type: ignore[no-untyped-def]
    device = _create(iam, "root-account-mfa-device")
    serial = device["SerialNumber"]
    assert serial == f"arn:aws:iam::{account.id}:mfa/root-account-mfa-device"
    # The root user has no user name: it names itself by its account id.
    _enable(iam, account.id, device)
    [entry] = iam.list_mfa_devices()["MFADevices"]
    assert entry["SerialNumber"] == serial
    assert "UserName" not in entry
    [assigned] = iam.list_virtual_mfa_devices(AssignmentStatus="Assigned")["VirtualMFADevices"]
    assert assigned["User"]["Arn"] == f"arn:aws:iam::{account.id}:root"
    assert assigned["User"]["UserId"] == account.id
    assert iam.get_mfa_device(SerialNumber=serial)["SerialNumber"] == serial
    # IAM users' device lists do not include it.
    iam.create_user(UserName="jo")
    assert iam.list_mfa_devices(UserName="jo")["MFADevices"] == []
    iam.deactivate_mfa_device(SerialNumber=serial)
    assert iam.list_mfa_devices()["MFADevices"] == []
    iam.delete_virtual_mfa_device(SerialNumber=serial)


def test_tags(iam) -> None:  # type: ignore[no-untyped-def]
    device = _create(iam, "tagged", Tags=[{"Key": "owner", "Value": "ops"}])
    assert device["Tags"] == [{"Key": "owner", "Value": "ops"}]
    serial = device["SerialNumber"]
    iam.tag_mfa_device(
        SerialNumber=serial, Tags=[{"Key": "Owner", "Value": "x"}, {"Key": "env", "Value": "prod"}]
    )
    listed = iam.list_mfa_device_tags(SerialNumber=serial)
    assert listed["Tags"] == [
        {"Key": "Owner", "Value": "x"},
        {"Key": "env", "Value": "prod"},
        {"Key": "owner", "Value": "ops"},
    ]
    page = iam.list_mfa_device_tags(SerialNumber=serial, MaxItems=2)
    assert page["IsTruncated"] is True
    rest = iam.list_mfa_device_tags(SerialNumber=serial, Marker=page["Marker"])
    assert rest["Tags"] == [{"Key": "owner", "Value": "ops"}]
    iam.untag_mfa_device(SerialNumber=serial, TagKeys=["owner", "env"])
    assert iam.list_mfa_device_tags(SerialNumber=serial)["Tags"] == [{"Key": "Owner", "Value": "x"}]
    with pytest.raises(ClientError) as exc:
        iam.tag_mfa_device(SerialNumber=serial, Tags=[{"Key": "aws:reserved", "Value": "v"}])
    assert _error(exc)[:2] == ("InvalidInput", 400)
    iam.delete_virtual_mfa_device(SerialNumber=serial)
    _create(iam, "tagged")
    assert iam.list_mfa_device_tags(SerialNumber=serial)["Tags"] == []


def test_sts_accepts_each_code_once(iam, account) -> None:  # type: ignore[no-untyped-def]
    iam.create_user(UserName="lee")
    key = iam.create_access_key(UserName="lee")["AccessKey"]
    device = _create(iam, "lee")
    serial = device["SerialNumber"]
    seed = _seed(device)
    _enable(iam, "lee", device, (-3, -2))
    sts = account.client("sts", key["AccessKeyId"], key["SecretAccessKey"])
    [code] = codes(seed, -1)
    creds = sts.get_session_token(SerialNumber=serial, TokenCode=code)["Credentials"]
    assert creds["AccessKeyId"].startswith("ASIA")
    with pytest.raises(ClientError) as exc:
        sts.get_session_token(SerialNumber=serial, TokenCode=code)
    assert _error(exc) == (
        "AccessDenied",
        403,
        "MultiFactorAuthentication failed with invalid MFA one time pass code.",
    )
    other = _create(iam, "unassigned")["SerialNumber"]
    [fresh] = codes(seed, 0)
    with pytest.raises(ClientError) as exc:
        sts.get_session_token(SerialNumber=other, TokenCode=fresh)
    assert _error(exc)[0] == "AccessDenied"
    assert "unable to validate MFA code" in _error(exc)[2]
    sts.get_session_token(SerialNumber=serial, TokenCode=fresh)


def _rolecall_clock(account, *args: str) -> subprocess.CompletedProcess[str]:  # type: ignore[no-untyped-def]
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(
        AWS_ACCESS_KEY_ID=account.access_key_id,
        AWS_SECRET_ACCESS_KEY=account.secret_access_key,
        AWS_DEFAULT_REGION="us-east-1",
        AWS_ENDPOINT_URL=account.server.endpoint,
        AWS_CONFIG_FILE=os.devnull,
        AWS_SHARED_CREDENTIALS_FILE=os.devnull,
    )
    return subprocess.run(
        [sys.executable, "-m", "rolecall", "clock", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.fixture
def dev_clock(account) -> Iterator[None]:  # type: ignore[no-untyped-def]
    yield
    _rolecall_clock(account, "reset")


def test_codes_follow_the_server_clock(iam, account, dev_clock) -> None:  # type: ignore[no-untyped-def]
    iam.create_user(UserName="kim")
    device = _create(iam, "kim")
    serial = device["SerialNumber"]
    seed = _seed(device)
    _enable(iam, "kim", device, (-3, -2))
    moved = _rolecall_clock(account, "advance", "3600")
    assert moved.returncode == 0, moved.stderr
    ahead = 3600 // 30
    # Codes of the real time are an hour old for the server now.
    first, second = codes(seed, -1, 0)
    with pytest.raises(ClientError) as exc:
        iam.resync_mfa_device(
            UserName="kim",
            SerialNumber=serial,
            AuthenticationCode1=first,
            AuthenticationCode2=second,
        )
    assert _error(exc)[0] == "InvalidAuthenticationCode"
    first, second = codes(seed, ahead - 1, ahead)
    iam.resync_mfa_device(
        UserName="kim", SerialNumber=serial, AuthenticationCode1=first, AuthenticationCode2=second
    )
    [entry] = iam.list_mfa_devices(UserName="kim")["MFADevices"]
    assert entry["SerialNumber"] == serial


@pytest.mark.cli
def testaws_cli(iam, account, tmp_path) -> None:  # type: ignore[no-untyped-def]
    iam.create_user(UserName="cli")
    seed_file = tmp_path / "seed.txt"
    out = aws_cli(
        account,
        "iam",
        "create-virtual-mfa-device",
        "--virtual-mfa-device-name",
        "cli",
        "--outfile",
        str(seed_file),
        "--bootstrap-method",
        "Base32StringSeed",
    )
    assert out.returncode == 0, out.stderr
    serial = json.loads(out.stdout)["VirtualMFADevice"]["SerialNumber"]
    seed = seed_file.read_text().strip()
    assert len(seed) == 64
    qr_file = tmp_path / "qr.png"
    out = aws_cli(
        account,
        "iam",
        "create-virtual-mfa-device",
        "--virtual-mfa-device-name",
        "cli-qr",
        "--outfile",
        str(qr_file),
        "--bootstrap-method",
        "QRCodePNG",
    )
    assert out.returncode == 0, out.stderr
    assert qr_file.read_bytes().startswith(b"\x89PNG")
    first, second = codes(seed, -3, -2)
    out = aws_cli(
        account,
        "iam",
        "enable-mfa-device",
        "--user-name",
        "cli",
        "--serial-number",
        serial,
        "--authentication-code1",
        first,
        "--authentication-code2",
        second,
    )
    assert out.returncode == 0, out.stderr
    out = aws_cli(account, "iam", "list-mfa-devices", "--user-name", "cli")
    assert out.returncode == 0, out.stderr
    assert [d["SerialNumber"] for d in json.loads(out.stdout)["MFADevices"]] == [serial]
    out = aws_cli(account, "iam", "delete-virtual-mfa-device", "--serial-number", serial)
    assert out.returncode != 0
    assert "DeleteConflict" in out.stderr


def test_serial_number_longer_than_256_is_refused(account) -> None:  # type: ignore[no-untyped-def]
    # The model bounds neither the device name nor (enough) the path; found by
    # fuzzing, this was a 500 on PostgreSQL.
    iam = account.client("iam", validate=False)
    for params in (
        {"VirtualMFADeviceName": "a" * 300},
        {"VirtualMFADeviceName": "x", "Path": "/" + "p" * 240 + "/"},
    ):
        with pytest.raises(ClientError) as exc:
            iam.create_virtual_mfa_device(**params)
        err = exc.value.response["Error"]
        assert err["Code"] == "ValidationError"
        assert "at 'serialNumber'" in err["Message"]
    assert iam.list_virtual_mfa_devices()["VirtualMFADevices"] == []
    name = "n" * (256 - len(f"arn:aws:iam::{account.id}:mfa/"))
    created = iam.create_virtual_mfa_device(VirtualMFADeviceName=name)
    assert len(created["VirtualMFADevice"]["SerialNumber"]) == 256
