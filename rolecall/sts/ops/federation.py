"""GetFederationToken: credentials for a federated user, limited by session policies."""

from __future__ import annotations

from typing import Any

from rolecall.api.call import Call
from rolecall.api.registry import operation
from rolecall.auth.principal import PrincipalKind, Session, SessionKind
from rolecall.iam import arns
from rolecall.protocol.errors import AccessDenied

from ..sessions import check_session_policies, check_tags, mint, new_key_pair, packed_size

DEFAULT_DURATION = 43200
ROOT_MAX = 3600


@operation("sts", "GetFederationToken")
def get_federation_token(call: Call) -> dict[str, Any]:
    p = call.params
    caller = call.principal
    if caller.session is not None:
        raise AccessDenied("Cannot call GetFederationToken with session credentials")
    name: str = p["Name"]
    duration: int = p.get("DurationSeconds") or DEFAULT_DURATION
    if caller.kind is PrincipalKind.ROOT:
        duration = min(duration, ROOT_MAX)
    tags = list(p.get("Tags") or [])
    check_tags(tags, None)
    policy_arns = tuple(a["arn"] for a in p.get("PolicyArns") or [])
    check_session_policies(call.view, p.get("Policy"), policy_arns)
    pairs = [(t["Key"], t["Value"]) for t in tags]
    packed = packed_size(p.get("Policy"), policy_arns, pairs)
    if tags:
        call.authorize("sts:TagSession", arns.federated_user_arn(caller.account_id, name))
    key_id, secret = new_key_pair(caller.account_id)
    now = call.request.time
    session = Session(
        kind=SessionKind.FEDERATION,
        access_key_id=key_id,
        secret_access_key=secret,
        account_id=caller.account_id,
        issued_at=now,
        expires_at=now + duration,
        name=name,
        user_id=caller.user_id,
        user_name=caller.name or None,
        user_path=caller.path,
        tags=tuple(pairs),
        policy=p.get("Policy"),
        policy_arns=policy_arns,
        source_ip=call.request.source_ip,
    )
    arn = arns.federated_user_arn(caller.account_id, name)
    result: dict[str, Any] = {
        "Credentials": mint(call.runtime.tokens, session),
        "FederatedUser": {"FederatedUserId": f"{caller.account_id}:{name}", "Arn": arn},
    }
    if packed is not None:
        result["PackedPolicySize"] = packed
    return result
