"""The errors AWS answers when a SigV4-authenticated IAM or STS request is refused.

Codes, HTTP statuses and messages are those IAM and STS (query-protocol services) put
in their ``<ErrorResponse>``; see ``docs/sigv4.md`` for where each one was observed and
which ones are a judgement.  None of them is 5xx: botocore retries 500/502/503/504 and
the throttling codes, and AWS does not make clients retry a bad signature, so neither
do we.  (botocore has no clock-skew correction, so no code here needs to trigger one.)
"""

from __future__ import annotations

from rolecall.protocol.errors import AWSError

MSG_NO_AUTHENTICATION = "Request is missing Authentication Token"
MSG_SIGNATURE_DOES_NOT_MATCH = (
    "The request signature we calculated does not match the signature you provided. "
    "Check your AWS Secret Access Key and signing method. "
    "Consult the service documentation for details."
)
MSG_UNKNOWN_KEY_ID = "The security token included in the request is invalid."
MSG_SESSION_EXPIRED = "The security token included in the request is expired"
MSG_CONTENT_SHA256_MISMATCH = (
    "The provided 'x-amz-content-sha256' header does not match what was computed."
)


class MissingAuthenticationToken(AWSError):
    """The request carries neither an ``Authorization: AWS4-...`` header nor query auth."""

    code = "MissingAuthenticationToken"
    status = 403

    def __init__(self, message: str = MSG_NO_AUTHENTICATION) -> None:
        super().__init__(message)


class IncompleteSignature(AWSError):
    """The signature parameters are malformed or incomplete (AWS: HTTP 400)."""

    code = "IncompleteSignature"
    status = 400


class SignatureDoesNotMatch(AWSError):
    """The signature, its scope, its freshness or its signed-header set is wrong.

    IAM and STS use this code (HTTP 403) both for a wrong signature and for a request
    outside the 15-minute clock-skew window ("Signature expired: ...").
    """

    code = "SignatureDoesNotMatch"
    status = 403

    def __init__(self, message: str = MSG_SIGNATURE_DOES_NOT_MATCH) -> None:
        super().__init__(message)


class InvalidClientTokenId(AWSError):
    """The access key ID (or the session token that goes with it) is not known.

    Raised by the caller after :func:`~rolecall.auth.sigv4.parse_signed_request`, when
    the key lookup fails; AWS checks the key before it checks the signature.
    """

    code = "InvalidClientTokenId"
    status = 403

    def __init__(self, message: str = MSG_UNKNOWN_KEY_ID) -> None:
        super().__init__(message)


class ExpiredToken(AWSError):
    """The session token of temporary credentials has expired (raised by STS code)."""

    code = "ExpiredToken"
    status = 403

    def __init__(self, message: str = MSG_SESSION_EXPIRED) -> None:
        super().__init__(message)


class XAmzContentSHA256Mismatch(AWSError):
    """``X-Amz-Content-Sha256`` is unusable or does not match the body.

    Judgement: IAM/STS clients never send this header, so there is no observed IAM/STS
    answer; the code, status and message are S3's, the service that defines the header.
    """

    code = "XAmzContentSHA256Mismatch"
    status = 400

    def __init__(self, message: str = MSG_CONTENT_SHA256_MISMATCH) -> None:
        super().__init__(message)


class AuthorizationQueryParametersError(AWSError):
    """``X-Amz-Expires`` is unusable; only raised when expiry enforcement is switched on.

    Judgement: IAM and STS ignore ``X-Amz-Expires``; the opt-in strict mode borrows S3's
    code, status and messages.
    """

    code = "AuthorizationQueryParametersError"
    status = 400


class PresignedRequestExpired(AWSError):
    """A presigned request is past ``X-Amz-Date + X-Amz-Expires`` (strict mode only).

    Judgement: S3's answer (``AccessDenied``, 403, "Request has expired").
    """

    code = "AccessDenied"
    status = 403

    def __init__(self, message: str = "Request has expired") -> None:
        super().__init__(message)
