"""``rolecall account``: manage accounts on a store (works while a server runs)."""

from __future__ import annotations

from pathlib import Path

import typer

from rolecall.iam.accounts import AccountError, create_account
from rolecall.runtime import Runtime

from .common import DatabaseOption, DataDirOption, credentials_block, settings_from

app = typer.Typer(help="Manage accounts.", no_args_is_help=True)


@app.command("create")
def create(
    name: str = typer.Option(..., "--name", help="A name for the account."),
    account_id: str | None = typer.Option(
        None, "--id", help="12-digit account id (default: random)."
    ),
    endpoint: str = typer.Option(
        "http://127.0.0.1:4599", help="Endpoint to print in the instructions."
    ),
    data_dir: Path | None = DataDirOption,
    database: str | None = DatabaseOption,
) -> None:
    """Create an account and print its id and root access key."""
    runtime = Runtime(settings_from(data_dir, database))
    try:
        root = create_account(runtime.store, runtime.keyring, account_id=account_id, name=name)
    except AccountError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None
    finally:
        runtime.close()
    typer.echo(f"Created account {root.account_id}.\n")
    typer.echo(credentials_block(endpoint, root.access_key_id, root.secret_access_key))
