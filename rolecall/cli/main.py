"""The ``rolecall`` command."""

from __future__ import annotations

import typer

from . import account, clock, policy, role
from .serve import serve

app = typer.Typer(help="rolecall: a self-hosted, AWS-compatible IAM and STS.", no_args_is_help=True)
app.command("serve")(serve)
app.add_typer(account.app, name="account")
app.add_typer(clock.app, name="clock")
app.add_typer(role.app, name="role")
app.add_typer(policy.app, name="policy")


def main() -> None:
    """Entry point of the console script."""
    app()
