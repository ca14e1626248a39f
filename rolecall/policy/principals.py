"""Matching the ``Principal`` element of resource-based and trust policies.

A match is not just yes/no: AWS's single-account rules depend on *how* a
resource-based policy names the caller.  A grant to the exact user or session
ARN stands on its own; a grant to the role ARN (for a session of that role) or to
the IAM user behind a federated session is still limited by the permissions
boundary and session policies; a grant to the account only delegates to the
account's own identity-based policies.
"""

from __future__ import annotations

from enum import IntEnum

from .ast import Principals
from .context import Caller, CallerKind


class PrincipalMatch(IntEnum):
    """How strongly a ``Principal`` element names the caller (higher is stronger)."""

    NONE = 0
    #: the caller's account (account id or ``:root`` ARN)
    ACCOUNT = 1
    #: the role behind a session, or the user behind a federated session
    IDENTITY = 2
    #: the caller itself: its user / session ARN or unique id, ``"*"``, a service
    DIRECT = 3


class PrincipalMatcher:
    """A compiled ``Principal``/``NotPrincipal`` element."""

    __slots__ = (
        "_accounts",
        "_arns",
        "_federated",
        "_services",
        "_unique_ids",
        "_wildcard",
        "negated",
    )

    def __init__(self, principals: Principals, *, negated: bool) -> None:
        self.negated = negated
        self._wildcard = principals.wildcard or "*" in principals.aws
        accounts: set[str] = set()
        arns: set[str] = set()
        unique_ids: set[str] = set()
        for value in principals.aws:
            if value.isdigit():
                accounts.add(value)
            elif value.startswith("arn:") and value.endswith(":root"):
                accounts.add(value.split(":")[4])
            elif value.startswith("arn:"):
                arns.add(value)
            elif value != "*":
                unique_ids.add(value)
        self._accounts = frozenset(accounts)
        self._arns = frozenset(arns)
        self._unique_ids = frozenset(unique_ids)
        self._services = frozenset(s.lower() for s in principals.service)
        self._federated = frozenset(principals.federated)

    def match(self, caller: Caller) -> PrincipalMatch:
        """How the element names ``caller`` (ignoring ``negated``)."""
        if self._wildcard:
            # "*" is every principal, service principals included (that is why AWS
            # offers aws:PrincipalIsAWSService to exempt them from a "*" Deny).
            return PrincipalMatch.DIRECT
        kind = caller.kind
        if kind is CallerKind.SERVICE:
            return (
                PrincipalMatch.DIRECT
                if caller.arn.lower() in self._services or "*" in self._services
                else PrincipalMatch.NONE
            )
        if caller.federated_provider is not None and caller.federated_provider in self._federated:
            return PrincipalMatch.DIRECT
        if caller.arn in self._arns:
            return PrincipalMatch.DIRECT
        if kind is CallerKind.USER and caller.unique_id in self._unique_ids:
            return PrincipalMatch.DIRECT
        if kind is CallerKind.ASSUMED_ROLE and (
            caller.role_arn in self._arns or caller.unique_id in self._unique_ids
        ):
            return PrincipalMatch.IDENTITY
        if kind is CallerKind.FEDERATED_USER and caller.source_arn in self._arns:
            return PrincipalMatch.IDENTITY
        if caller.account in self._accounts:
            return PrincipalMatch.ACCOUNT
        return PrincipalMatch.NONE

    def applies(self, caller: Caller, *, deny: bool) -> PrincipalMatch:
        """The match strength for a statement, with ``NotPrincipal`` taken into account.

        A ``NotPrincipal`` statement applies to everyone it does not name (at any
        level: its account, its role or user, or itself), as directly as ``"*"``
        would.  AWS documents one quirk kept here: a ``Deny`` with ``NotPrincipal``
        always applies to a principal that has a permissions boundary.
        """
        found = self.match(caller)
        if not self.negated:
            return found
        if deny and caller.has_boundary:
            return PrincipalMatch.DIRECT
        return PrincipalMatch.NONE if found else PrincipalMatch.DIRECT
