"""What AWS reads from a verified SAML assertion's attributes.

AWS's own attributes (``https://aws.amazon.com/SAML/Attributes/...``: Role,
RoleSessionName, SessionDuration, PrincipalTag:*, TransitiveTagKeys,
SourceIdentity) and the directory attributes it turns into ``saml:`` condition
keys.  SAML itself (parsing, signature, conditions) is :mod:`.assertion`'s
business; this module only interprets an :class:`~.assertion.Assertion`.
"""

from __future__ import annotations

import re

from .assertion import Assertion, InvalidResponse

ATTRIBUTES = "https://aws.amazon.com/SAML/Attributes/"
ROLE = ATTRIBUTES + "Role"
ROLE_SESSION_NAME = ATTRIBUTES + "RoleSessionName"
SESSION_DURATION = ATTRIBUTES + "SessionDuration"
PRINCIPAL_TAG = ATTRIBUTES + "PrincipalTag:"
TRANSITIVE_TAG_KEYS = ATTRIBUTES + "TransitiveTagKeys"
SOURCE_IDENTITY = ATTRIBUTES + "SourceIdentity"
_SESSION_NAME = re.compile(r"[\w+=,.@-]{2,64}", re.ASCII)


def role_pairs(assertion: Assertion) -> set[tuple[str, str]]:
    """The (role ARN, provider ARN) pairs of the Role attribute, either order accepted."""
    pairs: set[tuple[str, str]] = set()
    for value in assertion.attributes.get(ROLE, ()):
        parts = [p.strip() for p in value.split(",")]
        if len(parts) != 2:
            continue
        first, second = parts
        if ":saml-provider/" in first and ":role/" in second:
            first, second = second, first
        pairs.add((first, second))
    return pairs


def session_name(assertion: Assertion) -> str:
    """The RoleSessionName attribute, checked as AWS does."""
    values = assertion.attributes.get(ROLE_SESSION_NAME, ())
    if not values:
        raise InvalidResponse("RoleSessionName is required in AuthnResponse")
    if len(values) != 1 or not _SESSION_NAME.fullmatch(values[0]):
        raise InvalidResponse(
            "RoleSessionName in AuthnResponse must match [a-zA-Z_0-9+=,.@-]{2,64}"
        )
    return values[0]


def session_duration(assertion: Assertion) -> int | None:
    """The SessionDuration attribute (900–43200 seconds), if present."""
    values = assertion.attributes.get(SESSION_DURATION, ())
    if not values:
        return None
    if len(values) != 1 or not values[0].isdigit() or not 900 <= int(values[0]) <= 43200:
        raise InvalidResponse(
            "SessionDuration in AuthnResponse must be a number of seconds from 900 to 43200"
        )
    return int(values[0])


def session_tags(assertion: Assertion) -> tuple[tuple[tuple[str, str], ...], tuple[str, ...]]:
    """PrincipalTag:* attributes (one value each) and the TransitiveTagKeys values."""
    tags: list[tuple[str, str]] = []
    for name, values in assertion.attributes.items():
        if not name.startswith(PRINCIPAL_TAG):
            continue
        key = name[len(PRINCIPAL_TAG) :]
        if len(values) != 1:
            raise InvalidResponse(
                f"The session tag {key} in AuthnResponse must have exactly one value."
            )
        tags.append((key, values[0]))
    return tuple(tags), tuple(assertion.attributes.get(TRANSITIVE_TAG_KEYS, ()))


def source_identity(assertion: Assertion) -> str | None:
    """The SourceIdentity attribute, if present (its format is the caller's to check)."""
    values = assertion.attributes.get(SOURCE_IDENTITY, ())
    if not values:
        return None
    if len(values) != 1:
        raise InvalidResponse(
            'Source Identity must match [a-zA-Z_0-9+=,.@-]{2,64} and not begin with "aws:"'
        )
    return values[0]


#: Trust-policy condition keys AWS derives from attributes, by attribute Name.
#: ``True`` marks the multivalued keys (all values); the others take the first.
ATTRIBUTE_KEYS: dict[str, tuple[str, bool]] = {
    "urn:oid:2.5.4.3": ("saml:cn", True),
    "urn:oid:1.3.6.1.4.1.5923.1.1.1.1": ("saml:edupersonaffiliation", True),
    "urn:oid:1.3.6.1.4.1.5923.1.1.1.2": ("saml:edupersonnickname", True),
    "urn:oid:1.3.6.1.4.1.5923.1.1.1.3": ("saml:edupersonorgdn", False),
    "urn:oid:1.3.6.1.4.1.5923.1.1.1.4": ("saml:edupersonorgunitdn", True),
    "urn:oid:1.3.6.1.4.1.5923.1.1.1.5": ("saml:edupersonprimaryaffiliation", False),
    "urn:oid:1.3.6.1.4.1.5923.1.1.1.6": ("saml:edupersonprincipalname", False),
    "urn:oid:1.3.6.1.4.1.5923.1.1.1.7": ("saml:edupersonentitlement", True),
    "urn:oid:1.3.6.1.4.1.5923.1.1.1.8": ("saml:edupersonprimaryorgunitdn", False),
    "urn:oid:1.3.6.1.4.1.5923.1.1.1.9": ("saml:edupersonscopedaffiliation", True),
    "urn:oid:1.3.6.1.4.1.5923.1.1.1.10": ("saml:edupersontargetedid", True),
    "urn:oid:1.3.6.1.4.1.5923.1.1.1.11": ("saml:edupersonassurance", True),
    "urn:oid:1.3.6.1.4.1.5923.1.2.1.2": ("saml:eduorghomepageuri", True),
    "urn:oid:1.3.6.1.4.1.5923.1.2.1.3": ("saml:eduorgidentityauthnpolicyuri", True),
    "urn:oid:1.3.6.1.4.1.5923.1.2.1.4": ("saml:eduorglegalname", True),
    "urn:oid:1.3.6.1.4.1.5923.1.2.1.5": ("saml:eduorgsuperioruri", True),
    "urn:oid:1.3.6.1.4.1.5923.1.2.1.6": ("saml:eduorgwhitepagesuri", True),
    "urn:oid:2.5.4.4": ("saml:surname", False),
    "urn:oid:2.5.4.42": ("saml:givenname", False),
    "urn:oid:2.5.4.45": ("saml:x500uniqueidentifier", False),
    "urn:oid:0.9.2342.19200300100.1.1": ("saml:uid", False),
    "urn:oid:0.9.2342.19200300100.1.3": ("saml:mail", False),
    "http://schemas.xmlsoap.org/claims/CommonName": ("saml:commonname", False),
    "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name": ("saml:name", False),
    "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/givenname": ("saml:givenname", False),
    "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/surname": ("saml:surname", False),
    "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress": ("saml:mail", False),
    "http://schemas.microsoft.com/ws/2008/06/identity/claims/primarygroupsid": (
        "saml:primarygroupsid",
        False,
    ),
}


def attribute_keys(assertion: Assertion) -> dict[str, tuple[str, ...]]:
    """The attribute-derived ``saml:`` condition keys (lower-cased key names)."""
    keys: dict[str, tuple[str, ...]] = {}
    for name, (key, multi) in ATTRIBUTE_KEYS.items():
        values = assertion.attributes.get(name)
        if not values or key in keys:
            # AWS: with more than one claim for a key, only one is mapped.
            continue
        keys[key] = values if multi else values[:1]
    return keys
