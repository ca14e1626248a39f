"""The ``rolecall`` command."""

from __future__ import annotations

import typer

from . import account, clock, role
from .serve import serve

app = typer.Typer(help="rolecall: a self-hosted, AWS-compatible IAM and STS.", no_args_is_help=True)
app.command("serve")(serve)
app.add_typer(account.app, name="account")
app.add_typer(clock.app, name="clock")
app.add_typer(role.app, name="role")


def _mount_optional() -> None:
    # Sub-applications that live in their own modules.
    try:
        from .policy import app as policy_app
    except ImportError:  # pragma: no cover - during development only
        return
    app.add_typer(policy_app, name="policy")


_mount_optional()


def main() -> None:
    """Entry point of the console script."""
    app()
