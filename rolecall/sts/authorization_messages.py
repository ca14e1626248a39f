"""Encoded authorization failure messages, and decoding them.

Some AWS services append "Encoded authorization failure message: ..." to an
AccessDenied; the blob is opaque to the caller and ``sts:DecodeAuthorizationMessage``
turns it into JSON describing the decision (allowed, explicitDeny,
matchedStatements, failures, and the request context: principal, action,
resource, condition keys).  rolecall encrypts the blob with the server keyring,
so only rolecall can read it and nobody can forge one.

IAM and STS themselves do not encode their denials on AWS, so rolecall only does
when started with ``--encode-authorization-messages`` (useful to test tooling
that handles encoded messages).
"""

from __future__ import annotations

import base64
import binascii
import json
import zlib
from typing import Any

from rolecall.crypto.keyring import DecryptionError, Keyring
from rolecall.policy import Decision, Outcome
from rolecall.protocol.errors import AWSError

_PURPOSE = "authorization-message"


class InvalidAuthorizationMessage(AWSError):
    """The message is not one this server encoded."""

    code = "InvalidAuthorizationMessageException"
    status = 400


def encode(
    keyring: Keyring,
    decision: Decision,
    *,
    principal_id: str,
    principal_arn: str,
    action: str,
    resource: str,
    context: dict[str, tuple[str, ...]],
) -> str:
    """The opaque message for a refusal."""
    body = {
        "allowed": decision.allowed,
        "explicitDeny": decision.outcome is Outcome.EXPLICIT_DENY,
        "matchedStatements": {
            "items": [
                {
                    "statementId": st.statement.sid or "",
                    "effect": "ALLOW" if st.allow else "DENY",
                    "sourcePolicyId": st.source.policy_id,
                    "sourcePolicyType": st.source.policy_type,
                }
                for st in decision.matched
            ]
        },
        "failures": {"items": []},
        "context": {
            "principal": {"id": principal_id, "arn": principal_arn},
            "action": action,
            "resource": resource,
            "conditions": {
                "items": [
                    {"key": key, "values": {"items": [{"value": v} for v in values]}}
                    for key, values in sorted(context.items())
                ]
            },
        },
    }
    packed = zlib.compress(json.dumps(body, separators=(",", ":")).encode(), 9)
    return base64.urlsafe_b64encode(keyring.encrypt(packed, purpose=_PURPOSE)).decode().rstrip("=")


def decode(keyring: Keyring, message: str) -> dict[str, Any]:
    """The decision behind an encoded message; InvalidAuthorizationMessage if not ours."""
    try:
        blob = base64.urlsafe_b64decode(message + "=" * (-len(message) % 4))
        data = json.loads(zlib.decompress(keyring.decrypt(blob, purpose=_PURPOSE)))
    except (binascii.Error, ValueError, zlib.error, DecryptionError):
        raise InvalidAuthorizationMessage("The encoded message is invalid.") from None
    if not isinstance(data, dict):
        raise InvalidAuthorizationMessage("The encoded message is invalid.")
    return data
