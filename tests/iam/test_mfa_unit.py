"""rolecall.iam.mfa: RFC 6238 codes, the drift window, replay refusal, device checks."""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from pathlib import Path

import pyotp
import pytest
from sqlalchemy import insert, select

from rolecall.crypto.keyring import Keyring
from rolecall.iam import mfa
from rolecall.iam.accounts import create_account
from rolecall.store import schema as t
from rolecall.store.engine import Store
from rolecall.store.migrate import upgrade

# RFC 6238 appendix B: SHA-1, the ASCII seed "12345678901234567890", 8 digits.
RFC_SEED = b"12345678901234567890"
RFC_VECTORS = [
    (59, "94287082"),
    (1111111109, "07081804"),
    (1111111111, "14050471"),
    (1234567890, "89005924"),
    (2000000000, "69279037"),
    (20000000000, "65353130"),
]
SEED = bytes(range(40))
NOW = 1_700_000_015.0  # 15 s into a step
STEP = int(NOW // 30)


@pytest.mark.parametrize(("unix_time", "expected"), RFC_VECTORS)
def test_rfc6238_vectors(unix_time: int, expected: str) -> None:
    assert mfa.code_at(RFC_SEED, mfa.time_step(unix_time), digits=8) == expected
    assert mfa.code_at(base64.b32encode(RFC_SEED).decode(), unix_time // 30, digits=8) == expected


def test_six_digit_codes_match_authenticator_apps() -> None:
    totp = pyotp.TOTP(mfa.seed_base32(SEED))
    assert mfa.code_at(SEED, STEP) == totp.at(NOW)
    assert len(mfa.code_at(SEED, STEP)) == 6


def test_seed_is_64_base32_characters() -> None:
    seed = mfa.new_seed()
    text = mfa.seed_base32(seed)
    assert len(seed) == 40 and len(text) == 64
    assert base64.b32decode(text) == seed
    assert mfa.new_seed() != seed


def test_verify_code_window() -> None:
    for offset in (-1, 0, 1):
        code = mfa.code_at(SEED, STEP + offset)
        assert mfa.verify_code(SEED, code, NOW, last_step=0) == STEP + offset
    for offset in (-3, -2, 2, 3):
        assert mfa.verify_code(SEED, mfa.code_at(SEED, STEP + offset), NOW, 0) is None
    # the base32 form of the seed works the same
    assert mfa.verify_code(mfa.seed_base32(SEED), mfa.code_at(SEED, STEP), NOW, 0) == STEP


def test_verify_code_refuses_used_steps() -> None:
    code = mfa.code_at(SEED, STEP)
    assert mfa.verify_code(SEED, code, NOW, last_step=STEP - 1) == STEP
    assert mfa.verify_code(SEED, code, NOW, last_step=STEP) is None
    assert mfa.verify_code(SEED, code, NOW, last_step=STEP + 1) is None
    # an older code is refused once a later one was accepted
    assert mfa.verify_code(SEED, mfa.code_at(SEED, STEP - 1), NOW, last_step=STEP) is None
    assert mfa.verify_code(SEED, mfa.code_at(SEED, STEP + 1), NOW, last_step=STEP) == STEP + 1


def test_verify_code_rejects_malformed_codes() -> None:
    code = mfa.code_at(SEED, STEP)
    for bad in ("", "12345", "1234567", "abcdef", " " + code[1:], code + " "):
        assert mfa.verify_code(SEED, bad, NOW, 0) is None
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    assert mfa.verify_code(SEED, wrong, NOW, 0) is None


def test_verify_pair() -> None:
    c = [mfa.code_at(SEED, STEP + i) for i in range(-12, 3)]  # c[12] is the current step

    def at(i: int) -> str:
        return c[i + 12]

    assert mfa.verify_pair(SEED, at(0), at(1), NOW, 0) == STEP + 1
    assert mfa.verify_pair(SEED, at(-1), at(0), NOW, 0) == STEP
    assert mfa.verify_pair(SEED, at(-10), at(-9), NOW, 0) == STEP - 9  # typed slowly
    assert mfa.verify_pair(SEED, at(-12), at(-11), NOW, 0) is None  # too old
    assert mfa.verify_pair(SEED, at(1), at(2), NOW, 0) is None  # too far ahead
    assert mfa.verify_pair(SEED, at(1), at(0), NOW, 0) is None  # wrong order
    assert mfa.verify_pair(SEED, at(0), at(0), NOW, 0) is None  # not consecutive
    assert mfa.verify_pair(SEED, at(-1), at(1), NOW, 0) is None
    assert mfa.verify_pair(SEED, at(-1), at(0), NOW, last_step=STEP - 1) is None  # reused
    assert mfa.verify_pair(SEED, at(0), at(1), NOW, last_step=STEP - 1) == STEP + 1
    assert mfa.verify_pair(SEED, "abcdef", at(1), NOW, 0) is None


def test_provisioning_uri_and_qr_code() -> None:
    uri = mfa.provisioning_uri(SEED, "alice", "123456789012")
    assert uri == (
        "otpauth://totp/Amazon%20Web%20Services:alice@123456789012"
        f"?secret={mfa.seed_base32(SEED)}&issuer=Amazon%20Web%20Services"
    )
    parsed = pyotp.parse_uri(uri)
    assert parsed.secret == mfa.seed_base32(SEED)
    png = mfa.qr_png(uri)
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    assert len(png) > 200


def test_seed_encryption_is_bound_to_the_serial_number() -> None:
    keyring = Keyring([("test", bytes(32))])
    blob = mfa.encrypt_seed(keyring, SEED, "arn:aws:iam::123456789012:mfa/a")
    assert SEED not in blob
    assert mfa.decrypt_seed(keyring, blob, "arn:aws:iam::123456789012:mfa/a") == SEED
    with pytest.raises(Exception, match="authentication"):
        mfa.decrypt_seed(keyring, blob, "arn:aws:iam::123456789012:mfa/b")


def test_check_device_code(tmp_path: Path) -> None:
    store = Store(f"sqlite:///{tmp_path / 'mfa.db'}")
    upgrade(store)
    keyring = Keyring([("test", bytes(32))])
    account = create_account(store, keyring, name="mfa-unit").account_id
    serial = f"arn:aws:iam::{account}:mfa/root-account-mfa-device"
    unassigned = f"arn:aws:iam::{account}:mfa/spare"
    with store.write() as conn:
        for number, enabled in ((serial, True), (unassigned, False)):
            conn.execute(
                insert(t.mfa_devices).values(
                    serial_number=number,
                    account_id=account,
                    name=number.rsplit("/", 1)[1],
                    path="/",
                    seed_enc=mfa.encrypt_seed(keyring, SEED, number),
                    root_user=enabled,
                    created_at=datetime.now(UTC),
                    enabled_at=datetime.now(UTC) if enabled else None,
                    last_step=0,
                )
            )

    def check(number: str, code: str, user_id: str | None = None) -> mfa.DeviceCheck:
        with store.write() as conn:
            return mfa.check_device_code(
                conn,
                keyring,
                account_id=account,
                serial_number=number,
                code=code,
                now=NOW,
                user_id=user_id,
            )

    code = mfa.code_at(SEED, STEP)
    assert check(serial, "000000" if code != "000000" else "111111") is mfa.DeviceCheck.BAD_CODE
    assert check(serial, code, user_id="AIDAEXAMPLEEXAMPLE12") is mfa.DeviceCheck.NO_DEVICE
    assert check(unassigned, code) is mfa.DeviceCheck.NO_DEVICE
    assert check(serial.replace(account, "000000000000"), code) is mfa.DeviceCheck.NO_DEVICE
    assert check(serial, code) is mfa.DeviceCheck.OK
    assert check(serial, code) is mfa.DeviceCheck.BAD_CODE  # a code works once
    assert check(serial, mfa.code_at(SEED, STEP - 1)) is mfa.DeviceCheck.BAD_CODE
    assert check(serial, mfa.code_at(SEED, STEP + 1)) is mfa.DeviceCheck.OK
    with store.read() as conn:
        last = conn.execute(
            select(t.mfa_devices.c.last_step).where(t.mfa_devices.c.serial_number == serial)
        ).scalar_one()
    assert last == STEP + 1
    # The compare-and-set refuses a step recorded meanwhile by another request.
    with store.write() as conn:
        assert not mfa.record_step(conn, serial, STEP, STEP + 5)
        assert mfa.record_step(conn, serial, STEP + 1, STEP + 5)
    store.dispose()
