"""The operation layer shared by every service: registry, call context, authorization."""
