"""GetCallerIdentity: who am I (always allowed, even under an explicit deny)."""

from __future__ import annotations

from typing import Any

from rolecall.api.call import Call
from rolecall.api.registry import operation


@operation("sts", "GetCallerIdentity", pre_authorize=False)
def get_caller_identity(call: Call) -> dict[str, Any]:
    principal = call.principal
    return {"UserId": principal.userid, "Account": principal.account_id, "Arn": principal.arn}
