"""DecodeAuthorizationMessage: what an encoded AccessDenied was about."""

from __future__ import annotations

import json
from typing import Any

from rolecall.api.call import Call
from rolecall.api.registry import operation

from ..authorization_messages import decode


@operation("sts", "DecodeAuthorizationMessage")
def decode_authorization_message(call: Call) -> dict[str, Any]:
    data = decode(call.runtime.keyring, call.params["EncodedMessage"])
    return {"DecodedMessage": json.dumps(data, separators=(",", ":"))}
