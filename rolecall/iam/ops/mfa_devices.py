"""Virtual MFA devices: create, enable for a user (or root), deactivate, resync, list, delete, tags.

A virtual device is created unassigned; EnableMFADevice proves possession with two
codes of consecutive time steps and assigns it to an IAM user — or, when the
account's root user asks with its account id as ``UserName``, to the root user.
Codes are checked in :mod:`rolecall.iam.mfa`; a step once accepted is never
accepted again for that device.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, and_, delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from rolecall.api.call import Call
from rolecall.api.registry import operation
from rolecall.auth.principal import PrincipalKind
from rolecall.crypto.keyring import DecryptionError
from rolecall.protocol.errors import (
    AWSError,
    DeleteConflict,
    EntityAlreadyExists,
    LimitExceeded,
    NoSuchEntity,
    ValidationError,
)
from rolecall.store import schema as t

from .. import arns, mfa
from ..lookup import no_such_user
from ..paging import finish_page, page_query
from ..records import UserRecord, record
from ..shapes import user_shape
from ..tagging import check_request_tags, drop_all, put_tags, remove_tags, tag_list
from ._tag_pages import tag_page

TAG_TYPE = "mfa"
#: Virtual MFA devices per account: AWS sets it equal to the users quota.
MAX_VIRTUAL_DEVICES = 5000
#: MFA devices one user (or the root user) may have in use.
MAX_DEVICES_PER_USER = 8


class InvalidAuthenticationCode(AWSError):
    """The codes presented for an MFA device are not valid."""

    code = "InvalidAuthenticationCode"
    status = 403


def _bad_codes() -> InvalidAuthenticationCode:
    return InvalidAuthenticationCode("Authentication code for device is not valid.")


#: serialNumberType's maximum length in IAM's model
MAX_SERIAL_NUMBER = 256


def no_such_device(serial_number: str) -> NoSuchEntity:
    """AWS's error for a serial number that names no (suitable) device."""
    return NoSuchEntity(f"MFA Device with serial number {serial_number} does not exist.")


@dataclass(frozen=True, slots=True)
class Owner:
    """Whom a device is (to be) assigned to: an IAM user, or the root user (``user=None``)."""

    user: UserRecord | None

    def where(self) -> Any:
        """SQL condition: the device is assigned to this owner."""
        if self.user is None:
            return t.mfa_devices.c.root_user.is_(True)
        return t.mfa_devices.c.user_id == self.user.id


def _owner(call: Call, conn: Connection) -> Owner:
    """The owner named by UserName or, when it is absent, the caller.

    The root user has no user name; it names itself by its account id.
    """
    name: str | None = call.params.get("UserName")
    principal = call.principal
    if name is None:
        if principal.kind is PrincipalKind.ROOT:
            return Owner(None)
        if principal.kind is not PrincipalKind.USER:
            raise ValidationError("Must specify userName when calling with non-User credentials")
        name = principal.name
    row = conn.execute(
        select(t.users).where(
            and_(t.users.c.account_id == call.account_id, t.users.c.name_key == name.lower())
        )
    ).first()
    if row is not None:
        return Owner(record(UserRecord, row))
    if principal.kind is PrincipalKind.ROOT and name == call.account_id:
        return Owner(None)
    raise no_such_user(name)


def _device(conn: Connection, call: Call, serial_number: str) -> Any:
    row = conn.execute(
        select(t.mfa_devices).where(
            and_(
                t.mfa_devices.c.serial_number == serial_number,
                t.mfa_devices.c.account_id == call.account_id,
            )
        )
    ).first()
    if row is None:
        raise no_such_device(serial_number)
    return row


def _owned_device(conn: Connection, call: Call, owner: Owner, serial_number: str) -> Any:
    row = conn.execute(
        select(t.mfa_devices).where(
            and_(
                t.mfa_devices.c.serial_number == serial_number,
                t.mfa_devices.c.account_id == call.account_id,
                t.mfa_devices.c.enabled_at.is_not(None),
                owner.where(),
            )
        )
    ).first()
    if row is None:
        raise no_such_device(serial_number)
    return row


def _pair_step(call: Call, row: Any) -> int:
    """The step of AuthenticationCode2 if the two codes are valid for the device."""
    try:
        seed = mfa.decrypt_seed(call.runtime.keyring, row.seed_enc, row.serial_number)
    except DecryptionError:
        raise _bad_codes() from None
    step = mfa.verify_pair(
        seed,
        call.params["AuthenticationCode1"],
        call.params["AuthenticationCode2"],
        call.request.time,
        int(row.last_step),
    )
    if step is None:
        raise _bad_codes()
    return step


@operation("iam", "CreateVirtualMFADevice", secret_results=("Base32StringSeed", "QRCodePNG"))
def create_virtual_mfa_device(call: Call) -> dict[str, Any]:
    p = call.params
    name: str = p["VirtualMFADeviceName"]
    path: str = p.get("Path") or "/"
    tags = p.get("Tags")
    check_request_tags(TAG_TYPE, tags)
    serial = arns.mfa_arn(call.account_id, path, name)
    if len(serial) > MAX_SERIAL_NUMBER:
        # The model bounds neither the name nor (enough) the path, but a serial
        # number is at most 256 characters everywhere it is accepted.  Judgement:
        # AWS's answer to this input is not documented.
        raise ValidationError(
            f"1 validation error detected: Value '{serial}' at 'serialNumber' failed to "
            f"satisfy constraint: Member must have length less than or equal to "
            f"{MAX_SERIAL_NUMBER}"
        )
    seed = mfa.new_seed()
    with call.write() as conn:
        count = conn.execute(
            select(func.count())
            .select_from(t.mfa_devices)
            .where(t.mfa_devices.c.account_id == call.account_id)
        ).scalar_one()
        if count >= MAX_VIRTUAL_DEVICES:
            raise LimitExceeded(
                f"Cannot exceed quota for VirtualMFADevicesPerAccount: {MAX_VIRTUAL_DEVICES}"
            )
        try:
            conn.execute(
                insert(t.mfa_devices).values(
                    serial_number=serial,
                    account_id=call.account_id,
                    name=name,
                    path=path,
                    seed_enc=mfa.encrypt_seed(call.runtime.keyring, seed, serial),
                    root_user=False,
                    created_at=call.now,
                    last_step=0,
                )
            )
        except IntegrityError:
            raise EntityAlreadyExists("MFA device already exists.") from None
        put_tags(conn, call.account_id, TAG_TYPE, serial, tags)
    call.touch("mfa", serial)
    account = call.view.account
    uri = mfa.provisioning_uri(seed, name, account.alias or account.id)
    device: dict[str, Any] = {
        "SerialNumber": serial,
        "Base32StringSeed": mfa.seed_base32(seed),
        "QRCodePNG": mfa.qr_png(uri),
    }
    if tags:
        device["Tags"] = tag_list((tg["Key"], tg["Value"]) for tg in tags)
    return {"VirtualMFADevice": device}


@operation("iam", "EnableMFADevice")
def enable_mfa_device(call: Call) -> None:
    serial: str = call.params["SerialNumber"]
    with call.write() as conn:
        owner = _owner(call, conn)
        row = _device(conn, call, serial)
        if row.enabled_at is not None:
            raise EntityAlreadyExists("MFA Device is already in use.")
        in_use = conn.execute(
            select(func.count())
            .select_from(t.mfa_devices)
            .where(
                and_(
                    t.mfa_devices.c.account_id == call.account_id,
                    t.mfa_devices.c.enabled_at.is_not(None),
                    owner.where(),
                )
            )
        ).scalar_one()
        if in_use >= MAX_DEVICES_PER_USER:
            raise LimitExceeded(
                f"Cannot exceed quota for MFADevicesInUsePerUser: {MAX_DEVICES_PER_USER}"
            )
        step = _pair_step(call, row)
        result = conn.execute(
            update(t.mfa_devices)
            .where(
                and_(
                    t.mfa_devices.c.serial_number == serial,
                    t.mfa_devices.c.last_step == row.last_step,
                )
            )
            .values(
                user_id=owner.user.id if owner.user else None,
                root_user=owner.user is None,
                enabled_at=call.now,
                last_step=step,
            )
        )
        if not result.rowcount:  # the same codes were just used by a concurrent request
            raise _bad_codes()
    call.touch("mfa", serial)
    if owner.user is not None:
        call.touch("user", owner.user.arn)


@operation("iam", "ResyncMFADevice")
def resync_mfa_device(call: Call) -> None:
    serial: str = call.params["SerialNumber"]
    with call.write() as conn:
        owner = _owner(call, conn)
        row = _owned_device(conn, call, owner, serial)
        step = _pair_step(call, row)
        if not mfa.record_step(conn, serial, int(row.last_step), step):
            raise _bad_codes()
    call.touch("mfa", serial)


@operation("iam", "DeactivateMFADevice")
def deactivate_mfa_device(call: Call) -> None:
    serial: str = call.params["SerialNumber"]
    with call.write() as conn:
        owner = _owner(call, conn)
        _owned_device(conn, call, owner, serial)
        conn.execute(
            update(t.mfa_devices)
            .where(t.mfa_devices.c.serial_number == serial)
            .values(user_id=None, root_user=False, enabled_at=None)
        )
    call.touch("mfa", serial)


@operation("iam", "DeleteVirtualMFADevice")
def delete_virtual_mfa_device(call: Call) -> None:
    serial: str = call.params["SerialNumber"]
    with call.write() as conn:
        row = _device(conn, call, serial)
        if row.enabled_at is not None:
            raise DeleteConflict("MFA device is in use; deactivate it before deleting it.")
        drop_all(conn, TAG_TYPE, serial)
        conn.execute(delete(t.mfa_devices).where(t.mfa_devices.c.serial_number == serial))
    call.touch("mfa", serial)


def _owner_name(owner: Owner) -> str | None:
    # The root user has no user name (GetUser prints none for it either).
    return owner.user.name if owner.user is not None else None


@operation("iam", "ListMFADevices")
def list_mfa_devices(call: Call) -> dict[str, Any]:
    with call.runtime.store.read() as conn:
        owner = _owner(call, conn)
        query = select(t.mfa_devices.c.serial_number, t.mfa_devices.c.enabled_at).where(
            and_(
                t.mfa_devices.c.account_id == call.account_id,
                t.mfa_devices.c.enabled_at.is_not(None),
                owner.where(),
            )
        )
        query, size = page_query(query, [t.mfa_devices.c.serial_number], call.params)
        rows = conn.execute(query).all()
    chunk, extra = finish_page(rows, size, lambda r: (r.serial_number,))
    name = _owner_name(owner)
    devices = [
        {"UserName": name, "SerialNumber": r.serial_number, "EnableDate": r.enabled_at}
        for r in chunk
    ]
    return {"MFADevices": devices, **extra}


@operation("iam", "GetMFADevice")
def get_mfa_device(call: Call) -> dict[str, Any]:
    serial: str = call.params["SerialNumber"]
    with call.runtime.store.read() as conn:
        owner = _owner(call, conn)
        row = _owned_device(conn, call, owner, serial)
    return {
        "UserName": _owner_name(owner),
        "SerialNumber": serial,
        "EnableDate": row.enabled_at,
    }


@operation("iam", "ListVirtualMFADevices")
def list_virtual_mfa_devices(call: Call) -> dict[str, Any]:
    status = call.params.get("AssignmentStatus") or "Any"
    where = [t.mfa_devices.c.account_id == call.account_id]
    if status == "Assigned":
        where.append(t.mfa_devices.c.enabled_at.is_not(None))
    elif status == "Unassigned":
        where.append(t.mfa_devices.c.enabled_at.is_(None))
    query = select(
        t.mfa_devices.c.serial_number,
        t.mfa_devices.c.enabled_at,
        t.mfa_devices.c.user_id,
        t.mfa_devices.c.root_user,
    ).where(and_(*where))
    query, size = page_query(query, [t.mfa_devices.c.serial_number], call.params)
    with call.runtime.store.read() as conn:
        rows = conn.execute(query).all()
        chunk, extra = finish_page(rows, size, lambda r: (r.serial_number,))
        user_ids = {r.user_id for r in chunk if r.user_id is not None}
        users = {
            u.id: record(UserRecord, u)
            for u in (
                conn.execute(select(t.users).where(t.users.c.id.in_(user_ids))).all()
                if user_ids
                else []
            )
        }
    account = call.view.account
    devices: list[dict[str, Any]] = []
    for r in chunk:
        item: dict[str, Any] = {"SerialNumber": r.serial_number}
        if r.enabled_at is not None:
            if r.root_user:
                item["User"] = {
                    "Path": "/",
                    "UserId": account.id,
                    "Arn": arns.root_arn(account.id),
                    "CreateDate": account.created_at,
                }
            elif r.user_id in users:
                item["User"] = user_shape(users[r.user_id])
            item["EnableDate"] = r.enabled_at
        devices.append(item)
    return {"VirtualMFADevices": devices, **extra}


@operation("iam", "TagMFADevice")
def tag_mfa_device(call: Call) -> None:
    serial: str = call.params["SerialNumber"]
    with call.write() as conn:
        _device(conn, call, serial)
        put_tags(conn, call.account_id, TAG_TYPE, serial, call.params["Tags"])


@operation("iam", "UntagMFADevice")
def untag_mfa_device(call: Call) -> None:
    serial: str = call.params["SerialNumber"]
    with call.write() as conn:
        _device(conn, call, serial)
        remove_tags(conn, TAG_TYPE, serial, call.params["TagKeys"])


@operation("iam", "ListMFADeviceTags")
def list_mfa_device_tags(call: Call) -> dict[str, Any]:
    serial: str = call.params["SerialNumber"]
    with call.runtime.store.read() as conn:
        _device(conn, call, serial)
    return tag_page(call.view.tags(TAG_TYPE, serial), call.params)
