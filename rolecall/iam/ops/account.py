"""Account-wide IAM settings: the account alias and GetAccountSummary.

An account has at most one alias; creating another replaces it.  Aliases are
unique across the whole store (AWS: across all of AWS), which the unique
constraint on ``accounts.alias`` enforces.

GetAccountSummary reports entity counts computed from the store next to the
quotas rolecall enforces, under AWS's keys.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, and_, func, select, update
from sqlalchemy.exc import IntegrityError

from rolecall.api.call import Call
from rolecall.api.registry import operation
from rolecall.policy.limits import (
    GROUP_INLINE_MAX,
    MANAGED_POLICY_MAX,
    ROLE_INLINE_MAX,
    TRUST_POLICY_MAX,
    USER_INLINE_MAX,
)
from rolecall.protocol.errors import EntityAlreadyExists, NoSuchEntity
from rolecall.store import schema as t

from ..paging import page
from .access_keys import MAX_KEYS
from .groups import MAX_GROUPS, MAX_GROUPS_PER_USER
from .identity_policies import MAX_ATTACHED
from .instance_profiles import MAX_PROFILES
from .managed_policies import MAX_POLICIES, MAX_VERSIONS
from .roles import MAX_ROLES
from .server_certificates import MAX_CERTIFICATES as SERVER_CERTIFICATES_QUOTA
from .signing_certificates import MAX_CERTIFICATES as SIGNING_CERTIFICATES_PER_USER
from .users import MAX_USERS

#: A quota rolecall does not enforce, reported with AWS's default value.
POLICY_VERSIONS_IN_USE_QUOTA = 10000
#: Version of the tokens STS's global endpoint issues until the account sets one
#: (v1: valid in the Regions enabled by default; v2: valid in all Regions).
GLOBAL_ENDPOINT_TOKEN_VERSION = 1
_TOKEN_VERSIONS = {"v1Token": 1, "v2Token": 2}


@operation("iam", "CreateAccountAlias")
def create_account_alias(call: Call) -> None:
    alias: str = call.params["AccountAlias"]
    taken = EntityAlreadyExists(f"The account alias {alias} already exists.")
    with call.write() as conn:
        holder = conn.execute(
            select(t.accounts.c.id).where(t.accounts.c.alias == alias)
        ).scalar_one_or_none()
        if holder is not None:
            raise taken
        try:
            # One alias per account: a new alias replaces the old one.
            conn.execute(
                update(t.accounts).where(t.accounts.c.id == call.account_id).values(alias=alias)
            )
        except IntegrityError:
            raise taken from None


@operation("iam", "DeleteAccountAlias")
def delete_account_alias(call: Call) -> None:
    alias: str = call.params["AccountAlias"]
    with call.write() as conn:
        result = conn.execute(
            update(t.accounts)
            .where(and_(t.accounts.c.id == call.account_id, t.accounts.c.alias == alias))
            .values(alias=None)
        )
        if result.rowcount == 0:
            raise NoSuchEntity(f"The account alias {alias} cannot be found.")


@operation("iam", "ListAccountAliases")
def list_account_aliases(call: Call) -> dict[str, Any]:
    alias = call.view.account.alias
    chunk, extra = page([alias] if alias else [], call.params, lambda a: (a,))
    return {"AccountAliases": chunk, **extra}


def _count(conn: Connection, table: Any, *where: Any) -> int:
    return int(conn.execute(select(func.count()).select_from(table).where(*where)).scalar_one())


def _usage(conn: Connection, account_id: str) -> dict[str, int]:
    """The counting half of the summary."""
    mfa = t.mfa_devices.c
    keys = t.access_keys.c
    return {
        "Users": _count(conn, t.users, t.users.c.account_id == account_id),
        "Groups": _count(conn, t.groups, t.groups.c.account_id == account_id),
        "Roles": _count(conn, t.roles, t.roles.c.account_id == account_id),
        "Policies": _count(conn, t.managed_policies, t.managed_policies.c.account_id == account_id),
        "InstanceProfiles": _count(
            conn, t.instance_profiles, t.instance_profiles.c.account_id == account_id
        ),
        "Providers": _count(conn, t.saml_providers, t.saml_providers.c.account_id == account_id)
        + _count(conn, t.oidc_providers, t.oidc_providers.c.account_id == account_id),
        # Every attachment of a managed policy puts one of its versions in use.
        "PolicyVersionsInUse": _count(
            conn, t.attachments, t.attachments.c.account_id == account_id
        ),
        "MFADevices": _count(conn, t.mfa_devices, mfa.account_id == account_id),
        "MFADevicesInUse": _count(
            conn, t.mfa_devices, mfa.account_id == account_id, mfa.enabled_at.is_not(None)
        ),
        "AccountMFAEnabled": min(
            1,
            _count(
                conn,
                t.mfa_devices,
                mfa.account_id == account_id,
                mfa.root_user.is_(True),
                mfa.enabled_at.is_not(None),
            ),
        ),
        "AccountAccessKeysPresent": min(
            1, _count(conn, t.access_keys, keys.account_id == account_id, keys.user_id.is_(None))
        ),
        "ServerCertificates": _count(
            conn, t.server_certificates, t.server_certificates.c.account_id == account_id
        ),
        "AccountSigningCertificatesPresent": min(
            1,
            _count(
                conn,
                t.signing_certificates,
                t.signing_certificates.c.account_id == account_id,
                t.signing_certificates.c.user_id.is_(None),
            ),
        ),
        # rolecall's root users sign in with access keys only; they have no password.
        "AccountPasswordPresent": 0,
    }


QUOTAS: dict[str, int] = {
    "UsersQuota": MAX_USERS,
    "GroupsQuota": MAX_GROUPS,
    "RolesQuota": MAX_ROLES,
    "PoliciesQuota": MAX_POLICIES,
    "InstanceProfilesQuota": MAX_PROFILES,
    "ServerCertificatesQuota": SERVER_CERTIFICATES_QUOTA,
    "GroupsPerUserQuota": MAX_GROUPS_PER_USER,
    "AccessKeysPerUserQuota": MAX_KEYS,
    "SigningCertificatesPerUserQuota": SIGNING_CERTIFICATES_PER_USER,
    "AttachedPoliciesPerUserQuota": MAX_ATTACHED,
    "AttachedPoliciesPerGroupQuota": MAX_ATTACHED,
    "AttachedPoliciesPerRoleQuota": MAX_ATTACHED,
    "VersionsPerPolicyQuota": MAX_VERSIONS,
    "PolicyVersionsInUseQuota": POLICY_VERSIONS_IN_USE_QUOTA,
    "PolicySizeQuota": MANAGED_POLICY_MAX,
    "UserPolicySizeQuota": USER_INLINE_MAX,
    "GroupPolicySizeQuota": GROUP_INLINE_MAX,
    "RolePolicySizeQuota": ROLE_INLINE_MAX,
    "AssumeRolePolicySizeQuota": TRUST_POLICY_MAX,
}


@operation("iam", "GetAccountSummary")
def get_account_summary(call: Call) -> dict[str, Any]:
    usage = call.view.with_connection(lambda conn: _usage(conn, call.account_id))
    version = call.view.account.global_endpoint_token_version or GLOBAL_ENDPOINT_TOKEN_VERSION
    return {"SummaryMap": {**usage, **QUOTAS, "GlobalEndpointTokenVersion": version}}


@operation("iam", "SetSecurityTokenServicePreferences")
def set_security_token_service_preferences(call: Call) -> None:
    """Record the account's choice of global-endpoint token version.

    rolecall's session tokens are valid on its one endpoint whatever the version
    (there are no Regions to enable); the choice is kept and reported by
    GetAccountSummary, as AWS does.
    """
    version = _TOKEN_VERSIONS[call.params["GlobalEndpointTokenVersion"]]
    with call.write() as conn:
        conn.execute(
            update(t.accounts)
            .where(t.accounts.c.id == call.account_id)
            .values(global_endpoint_token_version=version)
        )
