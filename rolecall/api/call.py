"""One operation call: who asks, what for, and the means to answer.

A :class:`Call` is handed to every operation handler.  It carries the decoded
parameters, the authenticated principal and a current view of its account, the
request context (global condition keys), and the runtime's services; its
:meth:`Call.authorize` asks the policy engine and raises AWS's AccessDenied.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection

from rolecall.auth.principal import Principal
from rolecall.iam.directory import AccountView
from rolecall.iam.principal_policies import principal_policies
from rolecall.policy import (
    NO_RESOURCE_POLICIES,
    Decision,
    PrincipalPolicies,
    RequestContext,
    ResourcePolicies,
    authorize,
)
from rolecall.protocol.errors import AccessDenied, NoSuchEntity

if TYPE_CHECKING:
    from rolecall.runtime import Runtime


@dataclass(frozen=True, slots=True)
class RequestInfo:
    """Facts about the HTTP request behind a call."""

    request_id: str
    source_ip: str
    user_agent: str | None
    region: str
    secure: bool
    #: the (possibly shifted, see --dev-clock) time the request is evaluated at
    time: float


@dataclass
class Call:
    """An operation invocation, as handlers see it."""

    runtime: Runtime
    request: RequestInfo
    service: str
    operation: str
    params: dict[str, Any]
    principal: Principal
    view: AccountView
    context: RequestContext
    #: resources the call touched, for the audit record: (type, ARN)
    resources: list[tuple[str, str]] = field(default_factory=list)
    #: a Decision kept for the audit record when the call was refused
    denial: Decision | None = None
    _views: dict[str, AccountView] = field(default_factory=dict, repr=False)

    @property
    def account_id(self) -> str:
        """The caller's account."""
        return self.principal.account_id

    @property
    def now(self) -> datetime:
        """The evaluation time as an aware datetime."""
        return datetime.fromtimestamp(self.request.time, tz=UTC)

    def policies(self) -> PrincipalPolicies:
        """The caller's identity-side policies (cached per account revision)."""
        return principal_policies(self.view, self.principal)

    def decide(
        self,
        action: str,
        resource: str,
        extra: Mapping[str, tuple[str, ...]] | None = None,
        *,
        resources: ResourcePolicies = NO_RESOURCE_POLICIES,
        principal: PrincipalPolicies | None = None,
        explain: bool = False,
    ) -> Decision:
        """The policy engine's decision for this caller (no exception)."""
        values = self.context.values
        if extra:
            values = {**values, **extra}
        return authorize(
            self.principal.caller,
            action,
            resource,
            values,
            principal if principal is not None else self.policies(),
            resources,
            explain=explain,
        )

    def authorize(
        self,
        action: str,
        resource: str,
        extra: Mapping[str, tuple[str, ...]] | None = None,
        *,
        resources: ResourcePolicies = NO_RESOURCE_POLICIES,
    ) -> None:
        """Raise AccessDenied unless the caller may perform ``action`` on ``resource``."""
        decision = self.decide(action, resource, extra, resources=resources)
        if not decision.allowed:
            self.denial = decision
            message = decision.message(self.principal.arn, action, resource)
            if self.runtime.settings.encode_authorization_messages:
                message += " Encoded authorization failure message: " + self._encode_denial(
                    action, resource, extra, resources
                )
            raise AccessDenied(message)

    def _encode_denial(
        self,
        action: str,
        resource: str,
        extra: Mapping[str, tuple[str, ...]] | None,
        resources: ResourcePolicies,
    ) -> str:
        from rolecall.sts.authorization_messages import encode

        explained = self.decide(action, resource, extra, resources=resources, explain=True)
        return encode(
            self.runtime.keyring,
            explained,
            principal_id=self.principal.principal_id,
            principal_arn=self.principal.arn,
            action=action,
            resource=resource,
            context={**self.context.values, **(extra or {})},
        )

    @contextmanager
    def write(self, account_id: str | None = None) -> Iterator[Connection]:
        """A write transaction on the caller's (or another) account."""
        with self.runtime.store.write(account_id or self.account_id) as conn:
            yield conn

    def view_of(self, account_id: str) -> AccountView | None:
        """The current view of any account (the caller's own without another lookup)."""
        if account_id == self.view.account_id:
            return self.view
        found = self._views.get(account_id)
        if found is None:
            found = self.runtime.directory.view(account_id)
            if found is not None:
                self._views[account_id] = found
        return found

    def refresh(self) -> AccountView:
        """A view of the caller's account as it is now (after a write)."""
        view = self.runtime.directory.view(self.account_id)
        if view is None:  # pragma: no cover - accounts are never deleted
            raise NoSuchEntity("The account no longer exists.")
        self.view = view
        return view

    def touch(self, resource_type: str, arn: str) -> None:
        """Record that the call concerns ``arn`` (CloudTrail's ``resources``)."""
        self.resources.append((resource_type, arn))
