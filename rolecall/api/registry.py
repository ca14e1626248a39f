"""Which function implements which operation of which service.

Operation modules register handlers with :func:`operation`; the dispatcher looks
them up by ``(service, Action)``.  A handler takes a
:class:`~rolecall.api.call.Call` and returns the operation's result as a dict
shaped like the botocore output shape (or ``None`` for operations without output).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .call import Call

Handler = Callable[["Call"], Mapping[str, Any] | None]

#: Modules whose import registers operations.
OPERATION_MODULES = (
    "rolecall.iam.ops",
    "rolecall.sts.ops",
)


@dataclass(frozen=True, slots=True)
class OperationDef:
    """A registered operation.

    Attributes:
        service: ``iam`` or ``sts``.
        name: the API operation name (the query protocol's ``Action``).
        handler: the implementation.
        pre_authorize: authorize from the authorization table before the handler
            runs (operations with their own logic, such as AssumeRole, say False).
        secret_params: request parameters never written to the audit trail.
        secret_results: result paths (``A.B``) never written to the audit trail.
    """

    service: str
    name: str
    handler: Handler
    pre_authorize: bool = True
    secret_params: frozenset[str] = frozenset()
    secret_results: frozenset[str] = frozenset()


_registry: dict[tuple[str, str], OperationDef] = {}


def operation(
    service: str,
    name: str,
    *,
    pre_authorize: bool = True,
    secret_params: tuple[str, ...] = (),
    secret_results: tuple[str, ...] = (),
) -> Callable[[Handler], Handler]:
    """Register the decorated function as the handler of ``service``/``name``."""

    def register(handler: Handler) -> Handler:
        key = (service, name)
        if key in _registry and _registry[key].handler is not handler:
            raise RuntimeError(f"operation {service}:{name} registered twice")
        _registry[key] = OperationDef(
            service,
            name,
            handler,
            pre_authorize,
            frozenset(secret_params),
            frozenset(secret_results),
        )
        return handler

    return register


def lookup(service: str, name: str) -> OperationDef | None:
    """The registered operation, or ``None``."""
    return _registry.get((service, name))


def registered(service: str) -> list[str]:
    """Names of the operations implemented for ``service``."""
    return sorted(name for svc, name in _registry if svc == service)


def load_operations() -> None:
    """Import every operation module (idempotent)."""
    for module in OPERATION_MODULES:
        importlib.import_module(module)
