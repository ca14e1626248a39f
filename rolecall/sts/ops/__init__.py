"""STS operations; importing this package registers them all."""

from . import caller_identity  # noqa: F401
