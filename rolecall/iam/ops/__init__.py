"""IAM operations; importing this package registers them all."""

from . import access_keys, identity_policies, managed_policies, roles, users  # noqa: F401
