"""Keep secrets out of the audit trail.

CloudTrail replaces password parameters with ``HIDDEN_DUE_TO_SECURITY_REASONS``;
rolecall does the same for every parameter or result member that is a secret:
passwords, secret access keys, session tokens, MFA seeds and QR codes, web
identity tokens and SAML assertions, MFA codes.
"""

from __future__ import annotations

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
