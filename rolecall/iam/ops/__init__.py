"""IAM operations; importing this package registers them all."""

from . import users  # noqa: F401
