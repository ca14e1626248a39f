"""Errors raised by the policy engine.

The engine is pure and knows nothing about HTTP, so its errors are its own: a
:class:`PolicyError` carries the AWS error ``code`` (``MalformedPolicyDocument``,
``LimitExceeded``, ``InvalidInput``) and the exact ``message`` AWS prints, and the
server maps it onto its wire error at the edge.
"""

from __future__ import annotations

MALFORMED = "MalformedPolicyDocument"
LIMIT_EXCEEDED = "LimitExceeded"
INVALID_INPUT = "InvalidInput"

#: AWS's message for anything that is not a well-formed policy at all.
SYNTAX_ERROR = "Syntax errors in policy."


class PolicyError(Exception):
    """A policy document was rejected.

    Attributes:
        code: the AWS error code the service answers with.
        message: the message AWS prints for this violation.
    """

    def __init__(self, message: str, code: str = MALFORMED) -> None:
        super().__init__(message)
        self.code = code
        self.message = message

    def __repr__(self) -> str:
        return f"PolicyError({self.code!r}, {self.message!r})"


class PolicySyntaxError(PolicyError):
    """The document is not JSON of the policy grammar's shape."""

    def __init__(self, message: str = SYNTAX_ERROR) -> None:
        super().__init__(message, MALFORMED)


class PolicyLimitError(PolicyError):
    """The document exceeds one of AWS's size quotas."""

    def __init__(self, message: str) -> None:
        super().__init__(message, LIMIT_EXCEEDED)
