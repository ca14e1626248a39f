"""GetSessionToken: temporary credentials for an IAM user (or root), optionally MFA-backed."""

from __future__ import annotations

from typing import Any

from rolecall.api.call import Call
from rolecall.api.registry import operation
from rolecall.auth.principal import PrincipalKind, Session, SessionKind
from rolecall.protocol.errors import AccessDenied

from ..mfa_check import mfa_time
from ..sessions import mint, new_key_pair

DEFAULT_DURATION = 43200
ROOT_MAX = 3600


@operation("sts", "GetSessionToken", pre_authorize=False)
def get_session_token(call: Call) -> dict[str, Any]:
    caller = call.principal
    if caller.session is not None:
        raise AccessDenied("Cannot call GetSessionToken with session credentials")
    duration: int = call.params.get("DurationSeconds") or DEFAULT_DURATION
    if caller.kind is PrincipalKind.ROOT:
        # AWS limits the root user's session tokens to one hour.
        duration = min(duration, ROOT_MAX)
    mfa_at = mfa_time(call, call.params.get("SerialNumber"), call.params.get("TokenCode"))
    key_id, secret = new_key_pair(caller.account_id)
    now = call.request.time
    session = Session(
        kind=SessionKind.SESSION_TOKEN,
        access_key_id=key_id,
        secret_access_key=secret,
        account_id=caller.account_id,
        issued_at=now,
        expires_at=now + duration,
        name=caller.name,
        user_id=caller.user_id,
        user_name=caller.name or None,
        user_path=caller.path,
        mfa_at=mfa_at,
        source_ip=call.request.source_ip,
    )
    return {"Credentials": mint(call.runtime.tokens, session)}
