"""The public OIDC discovery documents of outbound issuers.

Relying parties verify GetWebIdentityToken tokens by fetching
``<issuer>/.well-known/openid-configuration`` and the ``jwks_uri`` it names,
without credentials, as they do from AWS's ``*.tokens.sts.global.api.aws``
hosts.  Only these two documents exist; a disabled issuer keeps publishing its
keys (tokens issued before the switch-off stay verifiable, as on AWS).
"""

from __future__ import annotations

import json

from rolecall.iam.outbound_federation import ISSUER_PATH, issuer_exists, issuer_url
from rolecall.runtime import Runtime

_CONFIGURATION = ".well-known/openid-configuration"
_JWKS = ".well-known/jwks.json"


def is_discovery(path: str) -> bool:
    """Whether ``path`` is under the issuers' prefix."""
    return path.startswith(ISSUER_PATH)


def handle(runtime: Runtime, method: str, path: str) -> tuple[int, bytes]:
    """Status and JSON body for a discovery request."""
    issuer_id, _, document = path[len(ISSUER_PATH) :].partition("/")
    if method not in ("GET", "HEAD") or document not in (_CONFIGURATION, _JWKS):
        return 404, b'{"message":"Not Found"}'
    with runtime.store.read() as conn:
        known = issuer_exists(conn, issuer_id)
    if not known:
        return 404, b'{"message":"Not Found"}'
    if document == _JWKS:
        keys = runtime.outbound_keys.jwks(issuer_id)
        return 200, json.dumps(keys, separators=(",", ":")).encode()
    issuer = issuer_url(runtime.settings.public_url, issuer_id)
    body = {
        "claims_supported": [
            "sub",
            "iss",
            "aud",
            "exp",
            "iat",
            "jti",
            "https://sts.amazonaws.com/",
        ],
        "id_token_signing_alg_values_supported": ["RS256", "ES384"],
        "issuer": issuer,
        "jwks_uri": f"{issuer}/{_JWKS}",
        "response_types_supported": ["id_token"],
        "subject_types_supported": ["public"],
    }
    return 200, json.dumps(body, separators=(",", ":")).encode()
