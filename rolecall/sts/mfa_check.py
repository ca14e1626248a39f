"""MFA codes presented to STS (SerialNumber + TokenCode)."""

from __future__ import annotations

from rolecall.api.call import Call
from rolecall.protocol.errors import AccessDenied


def mfa_time(call: Call, serial_number: str | None, token_code: str | None) -> float | None:
    """When MFA was last proven for the session being made, or ``None``.

    A code presented with the request is checked against the caller's enabled MFA
    device and makes the time "now"; otherwise an MFA-authenticated calling
    session passes its own MFA time on.
    """
    session = call.principal.session
    if serial_number is None and token_code is None:
        return session.mfa_at if session is not None else None
    if not serial_number or not token_code:
        raise AccessDenied(
            "MultiFactorAuthentication failed, must provide both MFA serial number "
            "and one time pass code."
        )
    from rolecall.iam.mfa_auth import check_caller_code  # provided with the MFA device work

    check_caller_code(call, serial_number, token_code)
    return call.request.time
