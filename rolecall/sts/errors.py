"""The errors STS returns for tokens and assertions from identity providers."""

from __future__ import annotations

from rolecall.protocol.errors import AWSError


class InvalidIdentityToken(AWSError):
    """The web identity token or SAML assertion could not be validated."""

    code = "InvalidIdentityToken"
    status = 400


class ExpiredTokenException(AWSError):
    """The web identity token or SAML assertion has expired."""

    code = "ExpiredTokenException"
    status = 400


class IDPCommunicationError(AWSError):
    """The identity provider could not be reached to verify the token."""

    code = "IDPCommunicationError"
    status = 400


class IDPRejectedClaim(AWSError):
    """The identity provider reported that authentication failed."""

    code = "IDPRejectedClaim"
    status = 403
