"""IAM operations; importing this package registers them all."""

from . import (  # noqa: F401
    access_keys,
    account,
    authorization_details,
    credential_report,
    groups,
    identity_policies,
    instance_profiles,
    login_profiles,
    managed_policies,
    mfa_devices,
    oidc_providers,
    policy_entities,
    roles,
    saml_providers,
    service_linked_roles,
    simulator,
    users,
)
