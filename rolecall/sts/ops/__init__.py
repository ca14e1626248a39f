"""STS operations; importing this package registers them all."""

from . import access_key_info, assume_role, caller_identity, federation, session_token  # noqa: F401
