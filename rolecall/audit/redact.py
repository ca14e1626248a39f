"""Keep secrets out of the audit trail.

CloudTrail replaces password parameters with ``HIDDEN_DUE_TO_SECURITY_REASONS``;
rolecall does the same for every parameter or result member that is a secret:
passwords, secret access keys, session tokens, MFA seeds and QR codes, web
identity tokens and SAML assertions, MFA codes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

HIDDEN = "HIDDEN_DUE_TO_SECURITY_REASONS"

#: Member names that are secret wherever they appear.
SECRET_MEMBERS = frozenset(
    {
        "Password",
        "OldPassword",
        "NewPassword",
        "SecretAccessKey",
        "SessionToken",
        "Base32StringSeed",
        "QRCodePNG",
        "AuthenticationCode1",
        "AuthenticationCode2",
        "TokenCode",
        "WebIdentityToken",
        "SAMLAssertion",
        "ServicePassword",
        "PrivateKey",
        "ServiceCredentialSecret",
    }
)


def redact(value: Any, extra: Iterable[str] = ()) -> Any:
    """A copy of ``value`` with every secret member replaced by :data:`HIDDEN`."""
    secret = SECRET_MEMBERS.union(extra)
    return _redact(value, secret)


def _redact(value: Any, secret: frozenset[str]) -> Any:
    if isinstance(value, Mapping):
        return {k: (HIDDEN if k in secret else _redact(v, secret)) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_redact(v, secret) for v in value]
    return value
