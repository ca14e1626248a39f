"""Options and helpers shared by the CLI commands."""

from __future__ import annotations

import os
from pathlib import Path

import typer

from rolecall.runtime import DEFAULT_REGION, Settings

DATA_DIR_ENV = "ROLECALL_DATA_DIR"
DATABASE_ENV = "ROLECALL_DATABASE_URL"


def default_data_dir() -> Path:
    """``$ROLECALL_DATA_DIR``, else ``./.rolecall``."""
    return Path(os.environ.get(DATA_DIR_ENV, ".rolecall"))


DataDirOption = typer.Option(
    None,
    "--data-dir",
    help="Directory for the embedded database and the master key (default ./.rolecall).",
)
DatabaseOption = typer.Option(
    None,
    "--database",
    help="Database URL, e.g. postgresql://user@host/db (default: SQLite in the data dir).",
)


def settings_from(data_dir: Path | None, database: str | None, **extra: object) -> Settings:
    """Settings from command-line options and the environment."""
    database = database or os.environ.get(DATABASE_ENV) or None
    directory = data_dir or default_data_dir()
    return Settings(data_dir=directory, database_url=database, **extra)  # type: ignore[arg-type]


def credentials_block(
    endpoint: str, key_id: str, secret: str | None, region: str = DEFAULT_REGION
) -> str:
    """The shell lines a user pastes to point the AWS CLI and SDKs at rolecall."""
    lines = [
        f"export AWS_ENDPOINT_URL={endpoint}",
        f"export AWS_ACCESS_KEY_ID={key_id}",
    ]
    if secret is not None:
        lines.append(f"export AWS_SECRET_ACCESS_KEY={secret}")
    lines.append(f"export AWS_DEFAULT_REGION={region}")
    return "\n".join(lines)


def write_profile(
    name: str, endpoint: str, key_id: str, secret: str, region: str = DEFAULT_REGION
) -> Path:
    """Write a named profile to ~/.aws/credentials and ~/.aws/config."""
    import configparser

    home = Path(os.environ.get("HOME", "~")).expanduser()
    aws = home / ".aws"
    aws.mkdir(mode=0o700, exist_ok=True)
    creds_path = aws / "credentials"
    creds = configparser.RawConfigParser()
    creds.read(creds_path)
    creds[name] = {"aws_access_key_id": key_id, "aws_secret_access_key": secret}
    with open(creds_path, "w") as fh:
        creds.write(fh)
    os.chmod(creds_path, 0o600)
    config_path = aws / "config"
    config = configparser.RawConfigParser()
    config.read(config_path)
    section = "default" if name == "default" else f"profile {name}"
    config[section] = {"region": region, "endpoint_url": endpoint}
    with open(config_path, "w") as fh:
        config.write(fh)
    return creds_path
