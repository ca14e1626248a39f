"""The IAM control plane: users, groups, roles, policies and the rest of IAM's API."""
