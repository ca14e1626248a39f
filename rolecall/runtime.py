"""Everything a running rolecall needs, built once per process.

The server, the CLI commands that work on a store (``rolecall account create``)
and the tests all build a :class:`Runtime`: the store (migrated), the keyring,
the clock, the AWS managed policy catalog, the cached directory of accounts, the
botocore service models and the SigV4 verifier.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from rolecall.audit.writer import AuditWriter, ProcessAuditWriter
from rolecall.auth.sigv4 import SigV4Verifier
from rolecall.clock import Clock
from rolecall.crypto.keyring import Keyring, load_keyring
from rolecall.federation.oidc.keys import KeySource
from rolecall.iam.catalog import Catalog, load_catalog
from rolecall.iam.directory import Directory
from rolecall.protocol.model import ServiceModels
from rolecall.store.engine import Store, sqlite_url
from rolecall.store.migrate import upgrade
from rolecall.sts.outbound_keys import SigningKeys
from rolecall.sts.tokens import SessionTokenCodec

DEFAULT_ACCOUNT_ID = "123456789012"
DEFAULT_REGION = "us-east-1"


@dataclass
class Settings:
    """Configuration shared by the server and the CLI."""

    data_dir: Path | None = None
    database_url: str | None = None
    default_account_id: str = DEFAULT_ACCOUNT_ID
    region: str = DEFAULT_REGION
    dev_clock: bool = False
    #: CloudTrail-style audit records are written (tests may turn it off)
    audit: bool = True
    #: append an encoded authorization failure message to AccessDenied (IAM and
    #: STS do not on AWS; some tooling wants to see one)
    encode_authorization_messages: bool = False
    #: the URL clients reach this server at; outbound OIDC issuers live under it
    public_url: str = "http://127.0.0.1:4599"
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def url(self) -> str:
        """The database URL: explicit, or the embedded SQLite file in the data dir."""
        if self.database_url:
            return self.database_url
        if self.data_dir is None:
            raise ValueError("either a data directory or a database URL is needed")
        return sqlite_url(self.data_dir)


class Runtime:
    """The process-wide services."""

    def __init__(
        self,
        settings: Settings,
        *,
        clock: Clock | None = None,
        keyring: Keyring | None = None,
        migrate: bool = True,
    ) -> None:
        self.settings = settings
        self.store = Store(settings.url)
        if migrate:
            upgrade(self.store)
        self.keyring = keyring or load_keyring(settings.data_dir)
        if clock is not None:
            self.clock = clock
        elif settings.dev_clock:
            from rolecall.devclock import DevClock

            self.clock = DevClock(self.store)
        else:
            self.clock = Clock()
        self.catalog: Catalog = load_catalog()
        self.directory = Directory(self.store, self.catalog)
        self.models = ServiceModels()
        self.verifier = SigV4Verifier()
        self.tokens = SessionTokenCodec(self.keyring)
        #: signing keys of the OIDC issuers behind AssumeRoleWithWebIdentity
        self.oidc_keys = KeySource()
        #: the keys GetWebIdentityToken signs with
        self.outbound_keys = SigningKeys(self.store, self.keyring)
        #: the audit writer, once a server runs (usage bookkeeping goes through it)
        self.audit: AuditWriter | ProcessAuditWriter | None = None

    def close(self) -> None:
        """Release database connections."""
        self.store.dispose()
