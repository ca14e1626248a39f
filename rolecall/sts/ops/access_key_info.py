"""GetAccessKeyInfo: the account an access key id belongs to."""

from __future__ import annotations

from typing import Any

from rolecall.api.call import Call
from rolecall.api.registry import operation
from rolecall.iam.ids import account_of_access_key
from rolecall.protocol.errors import InvalidParameterValue


@operation("sts", "GetAccessKeyInfo")
def get_access_key_info(call: Call) -> dict[str, Any]:
    key_id: str = call.params["AccessKeyId"]
    # Key ids encode their account (as AWS's do), so any key can be answered for;
    # keys imported with fixed ids are looked up.
    account = call.runtime.directory.key_owner(key_id) or account_of_access_key(key_id)
    if account is None:
        raise InvalidParameterValue(f"The access key id {key_id} is not valid.")
    return {"Account": account}
