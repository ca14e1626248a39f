"""Identifiers in AWS's formats.

Unique ids are a four-letter prefix naming the entity type and 17 characters of
base32 (``AIDA...`` user, ``AGPA...`` group, ``AROA...`` role, ``ANPA...``
policy, ``AIPA...`` instance profile).  Access key ids (``AKIA...`` long-term,
``ASIA...`` temporary) carry the owning account id inside, as AWS's do, so that
``sts:GetAccessKeyInfo`` can answer for any key without a lookup.
"""

from __future__ import annotations

import base64
import string

from rolecall.crypto.entropy import random_bytes

_BASE32 = string.ascii_uppercase + "234567"

USER = "AIDA"
GROUP = "AGPA"
ROLE = "AROA"
POLICY = "ANPA"
INSTANCE_PROFILE = "AIPA"
LONG_TERM_KEY = "AKIA"
TEMPORARY_KEY = "ASIA"


def unique_id(prefix: str) -> str:
    """A new unique id such as ``AIDAJQABLZS4A3QDU576Q``."""
    # 85 random bits from the system CSPRNG in one draw (secrets.choice per
    # character would make 17 system calls); 32 divides 256, so no bias.
    value = int.from_bytes(random_bytes(11), "big") >> 3
    return prefix + "".join([_BASE32[(value >> shift) & 31] for shift in range(80, -1, -5)])


def access_key_id(account_id: str, prefix: str = LONG_TERM_KEY) -> str:
    """A new 20-character access key id that encodes ``account_id``."""
    # 80 bits: the account id shifted left by 7 random bits (48 bits), then 32
    # random bits; written as 16 base32 characters (what b32encode would give
    # for the 10 bytes, without its slow pure-Python path).
    noise = int.from_bytes(random_bytes(5), "big") >> 1  # 39 bits
    value = (((int(account_id) << 7) | (noise >> 32)) << 32) | (noise & 0xFFFFFFFF)
    chars = [_BASE32[(value >> shift) & 31] for shift in range(75, -1, -5)]
    return prefix + "".join(chars)


def account_of_access_key(key_id: str) -> str | None:
    """The account id encoded in an access key id, or ``None`` if it encodes none."""
    if len(key_id) != 20 or not key_id[:4].isalpha():
        return None
    try:
        raw = base64.b32decode(key_id[4:])
    except ValueError:
        return None
    # AWS's layout: the top bit is not part of the account id.
    account = (int.from_bytes(raw[:6], "big") & 0x7FFFFFFFFF80) >> 7
    return f"{account:012d}" if account < 10**12 else None


def secret_access_key() -> str:
    """A new 40-character secret access key."""
    return base64.b64encode(random_bytes(30)).decode("ascii")
