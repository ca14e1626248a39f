"""Virtual MFA devices: TOTP codes (RFC 6238), seeds, QR codes, and code checks.

A virtual MFA device holds a random seed; the authenticator app derives a six-digit
code from it for every 30-second time step.  IAM accepts a code for the current
step or one step either side (clock drift), and — as a one-time password should —
never the same step twice for one device: ``mfa_devices.last_step`` records the
last accepted step and only later steps are accepted afterwards.

Seeds are stored encrypted with the keyring (purpose :data:`SEED_PURPOSE`, the
serial number as associated data, so a ciphertext cannot be moved to another
device).  Time always comes from the caller (the request time, which honours the
development clock), never from the system clock directly.
"""

from __future__ import annotations

import base64
import enum
import hmac
import io
import secrets
from urllib.parse import quote

import pyotp
import segno
from sqlalchemy import Connection, and_, select, update

from rolecall.crypto.keyring import DecryptionError, Keyring
from rolecall.store import schema as t

STEP_SECONDS = 30
DIGITS = 6
#: Seed length: 40 random bytes, 64 characters of base32 (what AWS hands out).
SEED_BYTES = 40
#: Keyring purpose of stored seeds.
SEED_PURPOSE = "mfa-seed"
#: How many steps either side of "now" one code may be.
DRIFT_STEPS = 1
#: How far back a pair of consecutive codes (EnableMFADevice, ResyncMFADevice) may
#: reach: users generate both codes and then type them, which takes a while.
PAIR_LOOKBACK_STEPS = 10
ISSUER = "Amazon Web Services"


def new_seed() -> bytes:
    """A fresh random seed."""
    return secrets.token_bytes(SEED_BYTES)


def seed_base32(seed: bytes) -> str:
    """The seed as the authenticator apps take it (base32, no padding)."""
    return base64.b32encode(seed).decode("ascii").rstrip("=")


def _base32(seed: bytes | str) -> str:
    if isinstance(seed, bytes):
        return seed_base32(seed)
    return seed.strip().replace(" ", "").upper().rstrip("=")


def time_step(now: float) -> int:
    """The TOTP time step (counter) that contains ``now``."""
    return int(now // STEP_SECONDS)


def code_at(seed: bytes | str, step: int, *, digits: int = DIGITS) -> str:
    """The code for ``step``; ``seed`` is raw bytes or a base32 string."""
    return str(pyotp.TOTP(_base32(seed), digits=digits, interval=STEP_SECONDS).generate_otp(step))


def _matches(seed: bytes | str, code: str, step: int) -> bool:
    if step < 0:
        return False
    return hmac.compare_digest(code_at(seed, step, digits=len(code)).encode(), code.encode())


def verify_code(seed: bytes | str, code: str, now: float, last_step: int) -> int | None:
    """The time step ``code`` belongs to, or ``None`` if it is not valid now.

    Accepts the current step and :data:`DRIFT_STEPS` either side, but only steps
    after ``last_step``: a code, once accepted, cannot be used again.
    """
    if len(code) != DIGITS or not code.isdigit():
        return None
    current = time_step(now)
    for step in range(current - DRIFT_STEPS, current + DRIFT_STEPS + 1):
        if step > last_step and _matches(seed, code, step):
            return step
    return None


def verify_pair(
    seed: bytes | str,
    code1: str,
    code2: str,
    now: float,
    last_step: int,
    *,
    lookback: int = PAIR_LOOKBACK_STEPS,
) -> int | None:
    """The step of ``code2`` if ``code1``/``code2`` are codes of two consecutive steps.

    The pair may lie up to ``lookback`` steps in the past (and one step ahead);
    both steps must come after ``last_step``.
    """
    if not all(len(c) == DIGITS and c.isdigit() for c in (code1, code2)):
        return None
    current = time_step(now)
    for second in range(current + DRIFT_STEPS, current - lookback - 1, -1):
        first = second - 1
        if first <= last_step:
            break
        if _matches(seed, code2, second) and _matches(seed, code1, first):
            return second
    return None


def provisioning_uri(seed: bytes, device_name: str, account_label: str) -> str:
    """The ``otpauth://`` URI authenticator apps scan."""
    label = quote(f"{ISSUER}:{device_name}@{account_label}", safe="@:")
    return f"otpauth://totp/{label}?secret={seed_base32(seed)}&issuer={quote(ISSUER)}"


def qr_png(uri: str) -> bytes:
    """A PNG image of the QR code of ``uri``."""
    buffer = io.BytesIO()
    segno.make(uri, error="m").save(buffer, kind="png", scale=4, border=4)
    return buffer.getvalue()


def encrypt_seed(keyring: Keyring, seed: bytes, serial_number: str) -> bytes:
    """The stored form of a device's seed."""
    return keyring.encrypt(seed, purpose=SEED_PURPOSE, aad=serial_number.encode())


def decrypt_seed(keyring: Keyring, blob: bytes, serial_number: str) -> bytes:
    """A device's seed from its stored form (DecryptionError if tampered with)."""
    return keyring.decrypt(blob, purpose=SEED_PURPOSE, aad=serial_number.encode())


class DeviceCheck(enum.Enum):
    """The outcome of checking a code presented for an MFA device."""

    OK = "ok"
    #: no enabled device with that serial number belongs to that user
    NO_DEVICE = "no-device"
    #: the device exists but the code is wrong, stale or already used
    BAD_CODE = "bad-code"


def record_step(conn: Connection, serial_number: str, last_step: int, step: int) -> bool:
    """Advance the device's ``last_step`` to ``step`` unless another request got there first.

    The update is a compare-and-set on the value read, so two requests presenting
    the same code at the same moment cannot both succeed.
    """
    result = conn.execute(
        update(t.mfa_devices)
        .where(
            and_(
                t.mfa_devices.c.serial_number == serial_number,
                t.mfa_devices.c.last_step == last_step,
            )
        )
        .values(last_step=step)
    )
    return bool(result.rowcount)


def check_device_code(
    conn: Connection,
    keyring: Keyring,
    *,
    account_id: str,
    serial_number: str,
    code: str,
    now: float,
    user_id: str | None,
) -> DeviceCheck:
    """Check ``code`` for the enabled device ``serial_number`` of a user (``None``: root).

    Runs inside the caller's write transaction and records the accepted step.
    """
    owner = (
        t.mfa_devices.c.root_user.is_(True)
        if user_id is None
        else t.mfa_devices.c.user_id == user_id
    )
    row = conn.execute(
        select(t.mfa_devices).where(
            and_(
                t.mfa_devices.c.serial_number == serial_number,
                t.mfa_devices.c.account_id == account_id,
                t.mfa_devices.c.enabled_at.is_not(None),
                owner,
            )
        )
    ).first()
    if row is None:
        return DeviceCheck.NO_DEVICE
    try:
        seed = decrypt_seed(keyring, row.seed_enc, serial_number)
    except DecryptionError:
        return DeviceCheck.BAD_CODE
    step = verify_code(seed, code, now, int(row.last_step))
    if step is None or not record_step(conn, serial_number, int(row.last_step), step):
        return DeviceCheck.BAD_CODE
    return DeviceCheck.OK
