"""STS operations; importing this package registers them all."""

from . import (  # noqa: F401
    access_key_info,
    assume_role,
    caller_identity,
    decode_message,
    federation,
    saml,
    session_token,
    web_identity,
    web_identity_token,
)
