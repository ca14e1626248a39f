"""IAM operations; importing this package registers them all."""

from . import (  # noqa: F401
    access_keys,
    identity_policies,
    instance_profiles,
    managed_policies,
    mfa_devices,
    oidc_providers,
    roles,
    saml_providers,
    service_linked_roles,
    users,
)
