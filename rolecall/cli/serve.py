"""``rolecall serve``: run the endpoint."""

from __future__ import annotations

import json
import os
from pathlib import Path

import typer
import uvicorn

from rolecall.iam.accounts import account_exists, create_account, root_keys
from rolecall.runtime import DEFAULT_ACCOUNT_ID, DEFAULT_REGION, Runtime
from rolecall.server.app import SETTINGS_ENV, create_app
from rolecall.server.transport import CoalescingHttpToolsProtocol

from .common import DatabaseOption, DataDirOption, credentials_block, settings_from, write_profile


def serve(
    host: str = typer.Option("127.0.0.1", help="Address to listen on."),
    port: int = typer.Option(4599, help="Port to listen on."),
    data_dir: Path | None = DataDirOption,
    database: str | None = DatabaseOption,
    workers: int = typer.Option(1, min=1, help="Worker processes."),
    bootstrap: Path | None = typer.Option(
        None, help="YAML or JSON file of accounts and entities to create."
    ),
    account_id: str = typer.Option(
        DEFAULT_ACCOUNT_ID, "--account-id", help="Id of the default account."
    ),
    region: str = typer.Option(DEFAULT_REGION, help="Region reported to clients."),
    profile: str | None = typer.Option(
        None, "--write-profile", help="Write the root credentials to this AWS profile."
    ),
    dev_clock: bool = typer.Option(
        False, "--dev-clock", help="Allow `rolecall clock` to move server time."
    ),
    log_level: str = typer.Option("warning", help="Log level."),
    public_url: str | None = typer.Option(
        None,
        help="The URL clients reach the server at (default http://HOST:PORT); "
        "issuer URLs of GetWebIdentityToken tokens are built on it.",
    ),
    encode_messages: bool = typer.Option(
        False,
        "--encode-authorization-messages",
        help="Append encoded failure messages to AccessDenied (see DecodeAuthorizationMessage).",
    ),
) -> None:
    """Start rolecall (SQLite in the data directory unless --database is given)."""
    settings = settings_from(
        data_dir,
        database,
        region=region,
        default_account_id=account_id,
        dev_clock=dev_clock,
        encode_authorization_messages=encode_messages,
        public_url=(public_url or f"http://{host}:{port}").rstrip("/"),
    )
    runtime = Runtime(settings)
    endpoint = f"http://{host}:{port}"
    if bootstrap is not None:
        from rolecall.bootstrap import BootstrapError, apply_file

        try:
            apply_file(runtime, bootstrap)
        except BootstrapError as exc:
            typer.echo(f"error: bootstrap {bootstrap}: {exc}", err=True)
            raise typer.Exit(1) from None
    if not account_exists(runtime.store, account_id):
        root = create_account(runtime.store, runtime.keyring, account_id=account_id, name="default")
        typer.echo(f"Created account {account_id}. Use rolecall with:\n")
        typer.echo(credentials_block(endpoint, root.access_key_id, root.secret_access_key, region))
        if profile:
            path = write_profile(
                profile, endpoint, root.access_key_id, root.secret_access_key, region
            )
            typer.echo(f"\nWrote profile '{profile}' to {path}")
        typer.echo("")
    else:
        keys = root_keys(runtime.store, account_id)
        shown = ", ".join(keys) or "(none)"
        typer.echo(f"Account {account_id}, root access key {shown}; endpoint {endpoint}")
    typer.echo(f"rolecall listening on {endpoint}", err=True)
    if workers == 1:
        app = create_app(runtime)
        uvicorn.run(
            app,
            host=host,
            port=port,
            log_level=log_level,
            access_log=False,
            lifespan="on",
            # aws:SourceIp must be the real peer: X-Forwarded-For is not trusted.
            proxy_headers=False,
            http=CoalescingHttpToolsProtocol,
        )
        return
    runtime.close()
    os.environ[SETTINGS_ENV] = json.dumps(
        {
            "data_dir": str(settings.data_dir) if settings.data_dir else None,
            "database_url": settings.database_url,
            "default_account_id": account_id,
            "region": region,
            "dev_clock": dev_clock,
            "encode_authorization_messages": encode_messages,
            "public_url": settings.public_url,
        }
    )
    uvicorn.run(
        "rolecall.server.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level=log_level,
        access_log=False,
        lifespan="on",
        proxy_headers=False,
        http=CoalescingHttpToolsProtocol,
    )
