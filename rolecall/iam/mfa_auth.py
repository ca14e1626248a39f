"""Checking an MFA code presented by the caller of an operation (STS's SerialNumber/TokenCode).

The device must be an enabled MFA device of the calling IAM user (or of the root
user, for the root user and its sessions); the code is checked with
:func:`rolecall.iam.mfa.check_device_code`, which also records the accepted time
step so the code cannot be presented again.
"""

from __future__ import annotations

from rolecall.api.call import Call
from rolecall.auth.principal import PrincipalKind
from rolecall.protocol.errors import AccessDenied

from .mfa import DeviceCheck, check_device_code

NO_DEVICE_MESSAGE = (
    "MultiFactorAuthentication failed, unable to validate MFA code.  "
    "Please verify your MFA serial number is valid and associated with this user."
)
BAD_CODE_MESSAGE = "MultiFactorAuthentication failed with invalid MFA one time pass code."


def _caller_owner(call: Call) -> tuple[bool, str | None]:
    """``(has_devices, user_id)``: whose devices the caller may present (``None``: root)."""
    principal = call.principal
    if principal.kind is PrincipalKind.ROOT:
        return True, None
    if principal.kind is PrincipalKind.USER:
        return True, principal.user_id
    session = principal.session
    if principal.kind is PrincipalKind.FEDERATED_USER and session is not None:
        # A federation session of a user (or of root) carries that user's identity.
        return True, session.user_id
    return False, None


def check_caller_code(call: Call, serial_number: str, token_code: str) -> None:
    """Raise AccessDenied unless ``token_code`` is a fresh code of the caller's device."""
    has_devices, user_id = _caller_owner(call)
    if not has_devices:
        raise AccessDenied(NO_DEVICE_MESSAGE)
    # No revision bump: last_step is not part of any cached view.
    with call.runtime.store.write() as conn:
        outcome = check_device_code(
            conn,
            call.runtime.keyring,
            account_id=call.account_id,
            serial_number=serial_number,
            code=token_code,
            now=call.request.time,
            user_id=user_id,
        )
    if outcome is DeviceCheck.NO_DEVICE:
        raise AccessDenied(NO_DEVICE_MESSAGE)
    if outcome is DeviceCheck.BAD_CODE:
        raise AccessDenied(BAD_CODE_MESSAGE)
