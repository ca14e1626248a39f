"""Enable/Disable/GetOutboundWebIdentityFederation(Info): the account's OIDC issuer.

Errors and their texts are AWS's as observed on the wire: enabling twice is
FeatureEnabled (409), disabling twice FeatureDisabled (404), and asking for the
issuer while the feature is off is FeatureDisabled too (a successful answer
therefore always says ``JwtVendingEnabled: true``).
"""

from __future__ import annotations

from typing import Any

from rolecall.api.call import Call
from rolecall.api.registry import operation
from rolecall.protocol.errors import AWSError

from ..outbound_federation import issuer_url, set_enabled, state


class FeatureEnabled(AWSError):
    """Outbound identity federation is already enabled."""

    code = "FeatureEnabled"
    status = 409


class FeatureDisabled(AWSError):
    """Outbound identity federation is disabled."""

    code = "FeatureDisabled"
    status = 404


@operation("iam", "EnableOutboundWebIdentityFederation")
def enable(call: Call) -> dict[str, Any]:
    with call.write() as conn:
        found = state(conn, call.account_id)
        if found is not None and found.enabled:
            raise FeatureEnabled(
                f"Outbound identity federation is already enabled for account {call.account_id}"
            )
        issuer_id = set_enabled(conn, call.account_id, True, call.now)
    return {"IssuerIdentifier": issuer_url(call.runtime.settings.public_url, issuer_id)}


@operation("iam", "DisableOutboundWebIdentityFederation")
def disable(call: Call) -> None:
    with call.write() as conn:
        found = state(conn, call.account_id)
        if found is None or not found.enabled:
            raise FeatureDisabled(
                f"Outbound identity federation is already disabled for account {call.account_id}"
            )
        set_enabled(conn, call.account_id, False, call.now)


@operation("iam", "GetOutboundWebIdentityFederationInfo")
def info(call: Call) -> dict[str, Any]:
    with call.runtime.store.read() as conn:
        found = state(conn, call.account_id)
    if found is None or not found.enabled:
        raise FeatureDisabled(
            f"Outbound identity federation is disabled for account {call.account_id}"
        )
    return {
        "IssuerIdentifier": issuer_url(call.runtime.settings.public_url, found.issuer_id),
        "JwtVendingEnabled": True,
    }
