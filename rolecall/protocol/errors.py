"""AWS-style errors.

Every failure that reaches a client is an :class:`AWSError`: it carries the AWS error
``code``, the human ``message`` AWS prints, the HTTP ``status`` AWS answers with and
whether the fault is the caller's (``Sender``) or ours (``Receiver``).  Components
raise these (or subclasses) and the server turns them into the wire format of the
service that was called; nothing else is allowed to escape to the client.
"""

from __future__ import annotations


class AWSError(Exception):
    """An error that is reported to the client in AWS's error format."""

    code: str = "InternalFailure"
    status: int = 500
    sender_fault: bool = True

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        status: int | None = None,
        sender_fault: bool | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        if status is not None:
            self.status = status
        if sender_fault is not None:
            self.sender_fault = sender_fault

    @property
    def fault_type(self) -> str:
        """``Sender`` or ``Receiver``, the value of ``Error/Type`` in XML errors."""
        return "Sender" if self.sender_fault else "Receiver"

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.code!r}, {self.message!r}, status={self.status})"


class ValidationError(AWSError):
    """Input failed the service model's constraints (lengths, patterns, ranges, enums)."""

    code = "ValidationError"
    status = 400


class InvalidAction(AWSError):
    """The Action parameter names no operation of the service."""

    code = "InvalidAction"
    status = 400


class MissingAction(AWSError):
    """The request names no Action at all."""

    code = "MissingAction"
    status = 400


class InvalidParameterValue(AWSError):
    """A parameter cannot be decoded (e.g. a non-numeric integer)."""

    code = "InvalidParameterValue"
    status = 400


class MalformedInput(AWSError):
    """A parameter's value cannot be read as its modelled type.

    AWS's query services answer ``MalformedInput`` (400) when, for example, an
    integer parameter is not a number or a list index is not a positive integer.
    """

    code = "MalformedInput"
    status = 400


class MalformedQueryString(AWSError):
    """The request body or query string cannot be decoded at all."""

    code = "MalformedQueryString"
    status = 400


class InternalFailure(AWSError):
    """Something failed on our side; details are logged, never sent."""

    code = "InternalFailure"
    status = 500
    sender_fault = False

    def __init__(self, message: str = "An internal error occurred.") -> None:
        super().__init__(message)


class ServiceUnavailable(AWSError):
    """The store is temporarily unavailable (for example, locked for too long)."""

    code = "ServiceUnavailable"
    status = 503
    sender_fault = False


class AccessDenied(AWSError):
    """The policy engine refused the request."""

    code = "AccessDenied"
    status = 403


class NoSuchEntity(AWSError):
    """The named IAM entity does not exist."""

    code = "NoSuchEntity"
    status = 404


class EntityAlreadyExists(AWSError):
    """An IAM entity with that name already exists."""

    code = "EntityAlreadyExists"
    status = 409


class LimitExceeded(AWSError):
    """An AWS quota would be exceeded."""

    code = "LimitExceeded"
    status = 409


class DeleteConflict(AWSError):
    """The entity cannot be deleted while something still refers to it."""

    code = "DeleteConflict"
    status = 409


class InvalidInput(AWSError):
    """The input is well-formed but not acceptable."""

    code = "InvalidInput"
    status = 400


class MalformedPolicyDocument(AWSError):
    """A policy document failed the policy grammar or a per-kind rule."""

    code = "MalformedPolicyDocument"
    status = 400


class UnmodifiableEntity(AWSError):
    """The entity is protected (e.g. a service-linked role's policies)."""

    code = "UnmodifiableEntity"
    status = 400


class ConcurrentModification(AWSError):
    """Another request changed the same entity at the same time."""

    code = "ConcurrentModification"
    status = 409
