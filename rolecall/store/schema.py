"""The database schema, shared by SQLite and PostgreSQL.

Conventions:

* Every IAM entity belongs to an account and is keyed by its AWS unique id
  (``AIDA...`` users, ``AROA...`` roles, ...).  Names are unique per account
  case-insensitively, as in IAM, through a ``name_key`` column holding the
  lower-cased name.
* ``accounts.revision`` is bumped by every write transaction of an account.
  Taking that row lock first serialises an account's writes (so quota checks such
  as "at most 5 policy versions" cannot race) and tells every server process
  when its cached view of the account is stale.
* Secrets are stored encrypted (``*_enc`` columns, AES-GCM, see
  :mod:`rolecall.crypto.keyring`); passwords only as slow-KDF hashes.
* Times are timezone-aware UTC.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)


class UtcDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on both dialects (SQLite stores them naive)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


Timestamp = UtcDateTime()

accounts = Table(
    "accounts",
    metadata,
    Column("id", String(12), primary_key=True),
    Column("name", String(128), nullable=False),
    Column("alias", String(63), unique=True),
    Column("created_at", Timestamp, nullable=False),
    Column("revision", BigInteger, nullable=False, default=0),
    # JSON of the account password policy; NULL when none is set.
    Column("password_policy", Text),
    Column("credential_report", Text),
    Column("credential_report_at", Timestamp),
    # SetSecurityTokenServicePreferences: 1 (v1Token) or 2 (v2Token); NULL is 1.
    Column("global_endpoint_token_version", Integer),
)

access_keys = Table(
    "access_keys",
    metadata,
    Column("id", String(128), primary_key=True),
    Column("account_id", String(12), ForeignKey("accounts.id"), nullable=False),
    # NULL for the account root user's keys.
    Column("user_id", String(32), ForeignKey("users.id", ondelete="CASCADE")),
    Column("secret_enc", LargeBinary, nullable=False),
    Column("status", String(16), nullable=False),
    Column("created_at", Timestamp, nullable=False),
    Column("last_used_at", Timestamp),
    Column("last_used_service", String(64)),
    Column("last_used_region", String(32)),
    Index("ix_access_keys_user", "user_id"),
)

users = Table(
    "users",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("account_id", String(12), ForeignKey("accounts.id"), nullable=False),
    Column("name", String(64), nullable=False),
    Column("name_key", String(64), nullable=False),
    Column("path", String(512), nullable=False),
    Column("created_at", Timestamp, nullable=False),
    Column("permissions_boundary", String(2048)),
    Column("password_last_used", Timestamp),
    UniqueConstraint("account_id", "name_key"),
)

groups = Table(
    "groups",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("account_id", String(12), ForeignKey("accounts.id"), nullable=False),
    Column("name", String(128), nullable=False),
    Column("name_key", String(128), nullable=False),
    Column("path", String(512), nullable=False),
    Column("created_at", Timestamp, nullable=False),
    UniqueConstraint("account_id", "name_key"),
)

group_members = Table(
    "group_members",
    metadata,
    Column("group_id", String(32), ForeignKey("groups.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", String(32), ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("added_seq", BigInteger, nullable=False, default=0),
    Index("ix_group_members_user", "user_id"),
)

roles = Table(
    "roles",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("account_id", String(12), ForeignKey("accounts.id"), nullable=False),
    Column("name", String(64), nullable=False),
    Column("name_key", String(64), nullable=False),
    Column("path", String(512), nullable=False),
    # Stored with principals rewritten to unique ids (see rolecall.iam.trust).
    Column("trust_policy", Text, nullable=False),
    Column("description", String(1000)),
    Column("max_session_duration", Integer, nullable=False),
    Column("permissions_boundary", String(2048)),
    Column("created_at", Timestamp, nullable=False),
    Column("last_used_at", Timestamp),
    Column("last_used_region", String(32)),
    # The service principal of a service-linked role, NULL otherwise.
    Column("linked_service", String(256)),
    UniqueConstraint("account_id", "name_key"),
)

managed_policies = Table(
    "managed_policies",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("account_id", String(12), ForeignKey("accounts.id"), nullable=False),
    Column("name", String(128), nullable=False),
    Column("name_key", String(128), nullable=False),
    Column("path", String(512), nullable=False),
    Column("arn", String(2048), nullable=False, unique=True),
    Column("description", String(1000)),
    Column("default_version", String(16), nullable=False),
    Column("next_version", Integer, nullable=False),
    Column("created_at", Timestamp, nullable=False),
    Column("updated_at", Timestamp, nullable=False),
    UniqueConstraint("account_id", "name_key"),
)

policy_versions = Table(
    "policy_versions",
    metadata,
    Column(
        "policy_id",
        String(32),
        ForeignKey("managed_policies.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("version_id", String(16), primary_key=True),
    Column("document", Text, nullable=False),
    Column("created_at", Timestamp, nullable=False),
)

# Managed-policy attachments of users, groups and roles.  ``policy_arn`` may name
# an AWS managed policy, which lives in the packaged catalog, not in this database.
attachments = Table(
    "attachments",
    metadata,
    Column("account_id", String(12), ForeignKey("accounts.id"), nullable=False),
    Column("principal_type", String(8), primary_key=True),
    Column("principal_id", String(32), primary_key=True),
    Column("policy_arn", String(2048), primary_key=True),
    Column("attached_seq", BigInteger, nullable=False, default=0),
    Index("ix_attachments_policy", "account_id", "policy_arn"),
)

inline_policies = Table(
    "inline_policies",
    metadata,
    Column("account_id", String(12), ForeignKey("accounts.id"), nullable=False),
    Column("principal_type", String(8), primary_key=True),
    Column("principal_id", String(32), primary_key=True),
    Column("name_key", String(128), primary_key=True),
    Column("name", String(128), nullable=False),
    Column("document", Text, nullable=False),
)

tags = Table(
    "tags",
    metadata,
    Column("account_id", String(12), ForeignKey("accounts.id"), nullable=False),
    Column("resource_type", String(24), primary_key=True),
    Column("resource_id", String(2048), primary_key=True),
    # Lower-cased for users and roles, whose tag keys are case-insensitive in IAM.
    Column("key_id", String(128), primary_key=True),
    Column("key", String(128), nullable=False),
    Column("value", String(256), nullable=False),
)

login_profiles = Table(
    "login_profiles",
    metadata,
    Column("user_id", String(32), ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("password_hash", String(512), nullable=False),
    Column("password_reset_required", Boolean, nullable=False),
    Column("created_at", Timestamp, nullable=False),
    Column("password_changed_at", Timestamp, nullable=False),
    # JSON list of earlier password hashes, newest first (PasswordReusePrevention).
    Column("password_history", Text),
)

mfa_devices = Table(
    "mfa_devices",
    metadata,
    Column("serial_number", String(256), primary_key=True),
    Column("account_id", String(12), ForeignKey("accounts.id"), nullable=False),
    Column("name", String(226), nullable=False),
    Column("path", String(512), nullable=False),
    Column("seed_enc", LargeBinary, nullable=False),
    Column("user_id", String(32), ForeignKey("users.id", ondelete="SET NULL")),
    Column("root_user", Boolean, nullable=False, default=False),
    Column("created_at", Timestamp, nullable=False),
    Column("enabled_at", Timestamp),
    # The last TOTP time step accepted, so a code cannot be used twice.
    Column("last_step", BigInteger, nullable=False, default=0),
    Index("ix_mfa_devices_user", "user_id"),
)

instance_profiles = Table(
    "instance_profiles",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("account_id", String(12), ForeignKey("accounts.id"), nullable=False),
    Column("name", String(128), nullable=False),
    Column("name_key", String(128), nullable=False),
    Column("path", String(512), nullable=False),
    Column("created_at", Timestamp, nullable=False),
    Column("role_id", String(32), ForeignKey("roles.id", ondelete="SET NULL")),
    UniqueConstraint("account_id", "name_key"),
    Index("ix_instance_profiles_role", "role_id"),
)

oidc_providers = Table(
    "oidc_providers",
    metadata,
    Column("arn", String(2048), primary_key=True),
    Column("account_id", String(12), ForeignKey("accounts.id"), nullable=False),
    Column("url", String(255), nullable=False),
    Column("client_ids", Text, nullable=False),
    Column("thumbprints", Text, nullable=False),
    Column("created_at", Timestamp, nullable=False),
)

saml_providers = Table(
    "saml_providers",
    metadata,
    Column("arn", String(2048), primary_key=True),
    Column("account_id", String(12), ForeignKey("accounts.id"), nullable=False),
    Column("name", String(128), nullable=False),
    Column("metadata_document", Text, nullable=False),
    Column("valid_until", Timestamp),
    Column("created_at", Timestamp, nullable=False),
    Column("assertion_encryption_mode", String(16)),
    Column("private_keys", Text),
)

service_role_deletions = Table(
    "service_role_deletions",
    metadata,
    Column("task_id", String(256), primary_key=True),
    Column("account_id", String(12), ForeignKey("accounts.id"), nullable=False),
    Column("role_name", String(64), nullable=False),
    Column("status", String(16), nullable=False),
    Column("reason", Text),
    Column("created_at", Timestamp, nullable=False),
)

# SSH public keys of IAM users (for CodeCommit): at most five per user, each key
# (by fingerprint) at most once per user.
ssh_public_keys = Table(
    "ssh_public_keys",
    metadata,
    Column("id", String(128), primary_key=True),
    Column("account_id", String(12), ForeignKey("accounts.id"), nullable=False),
    Column("user_id", String(32), ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    # As uploaded (OpenSSH or PEM); GetSSHPublicKey converts on the way out.
    Column("body", Text, nullable=False),
    Column("fingerprint", String(64), nullable=False),
    Column("status", String(16), nullable=False),
    Column("uploaded_at", Timestamp, nullable=False),
    UniqueConstraint("user_id", "fingerprint"),
)

# X.509 signing certificates of IAM users (NULL user: the root user).  The id is
# derived from the certificate, so one certificate exists once per account.
signing_certificates = Table(
    "signing_certificates",
    metadata,
    Column("account_id", String(12), ForeignKey("accounts.id"), primary_key=True),
    Column("id", String(128), primary_key=True),
    Column("user_id", String(32), ForeignKey("users.id", ondelete="CASCADE")),
    Column("body", Text, nullable=False),
    Column("status", String(16), nullable=False),
    Column("uploaded_at", Timestamp, nullable=False),
    Index("ix_signing_certificates_user", "user_id"),
)

# Service-specific credentials (CodeCommit/Keyspaces passwords, Bedrock API keys).
# The generated secret is kept encrypted; it is shown on create and reset only.
service_specific_credentials = Table(
    "service_specific_credentials",
    metadata,
    Column("id", String(128), primary_key=True),
    Column("account_id", String(12), ForeignKey("accounts.id"), nullable=False),
    Column("user_id", String(32), ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("service_name", String(128), nullable=False),
    # ServiceUserName (passwords) or ServiceCredentialAlias (API keys).
    Column("service_user_name", String(200), nullable=False),
    Column("secret_enc", LargeBinary, nullable=False),
    Column("status", String(16), nullable=False),
    Column("created_at", Timestamp, nullable=False),
    Column("expires_at", Timestamp),
    Index("ix_service_specific_credentials_user", "user_id", "service_name"),
)

# Server certificates (certificate, chain, encrypted private key) of an account.
server_certificates = Table(
    "server_certificates",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("account_id", String(12), ForeignKey("accounts.id"), nullable=False),
    Column("name", String(128), nullable=False),
    Column("name_key", String(128), nullable=False),
    Column("path", String(512), nullable=False),
    Column("body", Text, nullable=False),
    Column("chain", Text),
    Column("private_key_enc", LargeBinary, nullable=False),
    Column("expires_at", Timestamp, nullable=False),
    Column("uploaded_at", Timestamp, nullable=False),
    UniqueConstraint("account_id", "name_key"),
)

# Server-wide settings shared by every process on the store (e.g. the offset of
# the development clock).
server_state = Table(
    "server_state",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)

# CloudTrail-style audit trail.  The full record is kept as JSON; the columns
# beside it are what queries filter and sort on, indexed accordingly.
audit_events = Table(
    "audit_events",
    metadata,
    Column("event_id", String(36), primary_key=True),
    Column("account_id", String(12), nullable=False),
    Column("event_time", Timestamp, nullable=False),
    Column("event_source", String(64), nullable=False),
    Column("event_name", String(64), nullable=False),
    Column("principal_arn", String(2048)),
    Column("access_key_id", String(128)),
    Column("error_code", String(64)),
    Column("read_only", Boolean, nullable=False),
    Column("record", Text, nullable=False),
    Index("ix_audit_events_time", "account_id", "event_time"),
    Index("ix_audit_events_name", "account_id", "event_name", "event_time"),
    Index("ix_audit_events_principal", "account_id", "principal_arn", "event_time"),
    Index("ix_audit_events_key", "access_key_id", "event_time"),
)

# Access advisor reports (GenerateServiceLastAccessedDetails): computed when
# requested and kept, as AWS keeps them, for the Get* calls that read them.
access_advisor_jobs = Table(
    "access_advisor_jobs",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("account_id", String(12), ForeignKey("accounts.id"), nullable=False),
    # who asked: only the same user (or role, for role sessions) may read it
    Column("requester", String(2048), nullable=False),
    Column("arn", String(2048), nullable=False),
    Column("granularity", String(16), nullable=False),
    Column("created_at", Timestamp, nullable=False),
    Column("completed_at", Timestamp, nullable=False),
    Column("report", Text, nullable=False),
)

# Outbound identity federation (EnableOutboundWebIdentityFederation): the
# account's issuer id (kept when the feature is disabled, so re-enabling gives
# back the same issuer, as on AWS) and whether tokens may be issued.
outbound_federation = Table(
    "outbound_federation",
    metadata,
    Column("account_id", String(12), ForeignKey("accounts.id"), primary_key=True),
    Column("issuer_id", String(36), nullable=False, unique=True),
    Column("enabled", Boolean, nullable=False),
    Column("updated_at", Timestamp, nullable=False),
)

# The keys GetWebIdentityToken signs with: one per algorithm for each issuer
# (so one account's tokens never verify under another's key set), shared by
# every server process; private keys encrypted with the keyring.
outbound_signing_keys = Table(
    "outbound_signing_keys",
    metadata,
    Column("issuer_id", String(36), primary_key=True),
    Column("kid", String(32), primary_key=True),
    Column("algorithm", String(8), nullable=False),
    Column("private_key_enc", LargeBinary, nullable=False),
    Column("created_at", Timestamp, nullable=False),
)
