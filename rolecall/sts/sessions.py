"""What every STS operation that issues credentials shares.

Durations, session policies (validated, size-checked, "packed"), session tags,
and minting the temporary credentials themselves (an ``ASIA...`` key id that
encodes the account, a fresh secret, and a self-contained session token).
"""

from __future__ import annotations

import json
import math
import zlib
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from rolecall.audit.writer import RoleUse
from rolecall.auth.principal import Session
from rolecall.iam import arns, ids
from rolecall.iam.directory import AccountView
from rolecall.iam.documents import check_document
from rolecall.policy import PolicyKind
from rolecall.protocol.errors import (
    AWSError,
    InvalidParameterValue,
    MalformedPolicyDocument,
    ValidationError,
)

from .tokens import SessionTokenCodec

if TYPE_CHECKING:
    from rolecall.api.call import Call
    from rolecall.iam.records import RoleRecord

SESSION_POLICY_MAX = 2048
#: A role session's default length, and the cap when one role session assumes a role.
DEFAULT_DURATION = 3600
CHAINED_MAX = 3600
#: Bytes available to the packed (compressed) session policies and tags.
PACKED_ALLOTMENT = 2048
MAX_SESSION_TAGS = 50


class PackedPolicyTooLarge(AWSError):
    """The packed session policies and tags exceed what a token may carry."""

    code = "PackedPolicyTooLarge"
    status = 400


def role_duration(role: RoleRecord, requested: int | None, *, chained: bool = False) -> int:
    """``DurationSeconds`` of a role session, checked as AWS does (default one hour).

    Up to the role's MaxSessionDuration, or one hour for role chaining (a session
    assuming a role).
    """
    if requested is not None:
        if chained and requested > CHAINED_MAX:
            raise ValidationError(
                "The requested DurationSeconds exceeds the 1 hour session limit "
                "for roles assumed by role chaining."
            )
        if not chained and requested > role.max_session_duration:
            raise ValidationError(
                "The requested DurationSeconds exceeds the MaxSessionDuration set for this role."
            )
    return requested or DEFAULT_DURATION


def check_session_policies(
    view: AccountView | None, policy: str | None, policy_arns: Sequence[str]
) -> None:
    """Validate session policies: the inline document, and managed ARNs of ``view``'s account."""
    plain = (policy or "") + "".join(policy_arns)
    if len(plain) > SESSION_POLICY_MAX:
        raise PackedPolicyTooLarge(
            "The plaintext of the session policies exceeds the 2048 character limit."
        )
    if policy is not None:
        check_document(policy, PolicyKind.SESSION)
    for arn in policy_arns:
        if view is None or view.policy_document(arn) is None:
            raise MalformedPolicyDocument(f"Policy {arn} does not exist or is not attachable.")


def check_tags(tags: Sequence[dict[str, str]] | None, transitive: Sequence[str] | None) -> None:
    """Session tag rules: at most 50, unique keys (case-insensitive), transitive keys among them."""
    tags = tags or []
    if len(tags) > MAX_SESSION_TAGS:
        raise InvalidParameterValue(
            f"The number of session tags exceeds the limit of {MAX_SESSION_TAGS}."
        )
    keys = [t["Key"].lower() for t in tags]
    if len(set(keys)) != len(keys):
        raise InvalidParameterValue(
            "Duplicate tag keys found. Please note that Tag keys are case insensitive."
        )
    for key in transitive or []:
        if key.lower() not in keys:
            raise InvalidParameterValue(
                f"The transitive tag key {key} must also be included in the session tags."
            )


def packed_size(
    policy: str | None, policy_arns: Sequence[str], tags: Sequence[tuple[str, str]]
) -> int | None:
    """``PackedPolicySize`` (percent of the allotment); raises PackedPolicyTooLarge above 100.

    ``None`` when nothing was packed (no session policies and no tags), as AWS
    then omits the member.
    """
    if policy is None and not policy_arns and not tags:
        return None
    minified = json.dumps(json.loads(policy), separators=(",", ":")) if policy else ""
    blob = "\n".join([minified, *policy_arns, *(f"{k}={v}" for k, v in tags)]).encode()
    percent = math.ceil(100 * len(zlib.compress(blob, 9)) / PACKED_ALLOTMENT)
    if percent > 100:
        raise PackedPolicyTooLarge(
            f"Packed policy consumes {percent}% of allotted space, please use smaller policy."
        )
    return percent


def mint(codec: SessionTokenCodec, session: Session) -> dict[str, Any]:
    """The ``Credentials`` structure for a session (its key id and secret are in it)."""
    return {
        "AccessKeyId": session.access_key_id,
        "SecretAccessKey": session.secret_access_key,
        "SessionToken": codec.encode(session),
        "Expiration": datetime.fromtimestamp(session.expires_at, UTC),
    }


def role_session_result(
    call: Call, role: RoleRecord, session: Session, packed: int | None
) -> dict[str, Any]:
    """What every role-assuming operation answers (and the role's last use, noted)."""
    if call.runtime.audit is not None:
        call.runtime.audit.note(RoleUse(role.id, call.now, call.request.region))
    result: dict[str, Any] = {
        "Credentials": mint(call.runtime.tokens, session),
        "AssumedRoleUser": {
            "AssumedRoleId": f"{role.id}:{session.name}",
            "Arn": arns.assumed_role_arn(role.account_id, role.name, session.name),
        },
    }
    if packed is not None:
        result["PackedPolicySize"] = packed
    if session.source_identity is not None:
        result["SourceIdentity"] = session.source_identity
    return result


def new_key_pair(account_id: str) -> tuple[str, str]:
    """A temporary access key id (``ASIA...``) and its secret."""
    return ids.access_key_id(account_id, ids.TEMPORARY_KEY), ids.secret_access_key()
