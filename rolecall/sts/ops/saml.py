"""AssumeRoleWithSAML: a role's credentials for the bearer of a SAML 2.0 response.

``PrincipalArn`` names an IAM SAML provider of the role's account; the response
(base64, as the IdP posts it to AWS's sign-in endpoint) must be signed with a
certificate of that provider's metadata and issued by its entity id (see
:mod:`rolecall.federation.saml.assertion` for what is verified and how).  Its
``https://aws.amazon.com/SAML/Attributes/Role`` attribute must list the
requested (role, provider) pair, and the role's trust policy must name the
provider.  The NameID, issuer and recipient become ``saml:`` condition keys,
together with the attribute-derived keys AWS documents; the ``PrincipalTag:*``,
``TransitiveTagKeys`` and ``SourceIdentity`` attributes become session tags and
the source identity.

Judgement where AWS documents nothing: a provider whose ValidUntil has passed
verifies nothing; a response whose IdP status is not Success is IDPRejectedClaim;
``SessionNotOnOrAfter`` caps the session even below 900 seconds.  Encrypted
assertions are decrypted with the provider's private keys (AddPrivateKey); a
provider whose AssertionEncryptionMode is Required refuses plaintext ones.
"""

from __future__ import annotations

import base64
import hashlib
import re
from datetime import UTC
from typing import Any

from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey

from rolecall.api.call import Call
from rolecall.api.registry import operation
from rolecall.auth.principal import Principal, PrincipalKind
from rolecall.federation.saml import assertion as saml
from rolecall.federation.saml import aws_attributes
from rolecall.iam.ops.saml_providers import decryption_keys, find_provider
from rolecall.protocol.errors import ValidationError

from ..errors import ExpiredTokenException, IDPRejectedClaim, InvalidIdentityToken
from ..federated import (
    FederatedSession,
    assume,
    check_idp_tags,
    check_source_identity,
    denied,
    target_role,
)
from ..sessions import role_duration

ACTION = "sts:AssumeRoleWithSAML"
#: The saml: keys a session keeps for its permission policies (``${saml:sub}``), as
#: AWS documents; the others exist only while the trust policy is evaluated.
SESSION_KEYS = ("saml:namequalifier", "saml:sub", "saml:sub_type")
NAME_ID_FORMAT_PREFIX = "urn:oasis:names:tc:SAML:2.0:nameid-format:"
_PROVIDER_ARN = re.compile(r"arn:aws[a-z-]*:iam::(\d{12}):saml-provider/([\w+=,.@-]{1,128})")
#: IAM Identity Center's roles cannot be assumed with SAML (AWS documents this).
_SSO_ROLE_PREFIX = "AWSReservedSSO_"


@operation(
    "sts",
    "AssumeRoleWithSAML",
    pre_authorize=False,
    secret_params=("SAMLAssertion",),
)
def assume_role_with_saml(call: Call) -> dict[str, Any]:
    p = call.params
    provider_arn: str = p["PrincipalArn"]
    match = _PROVIDER_ARN.fullmatch(provider_arn)
    if match is None:
        raise ValidationError("Request ARN is invalid")
    provider_name = match.group(2)
    with call.runtime.store.read() as conn:
        # Only a provider of the role's account can vouch for its callers.
        provider = find_provider(conn, call.account_id, provider_arn)
    if provider is None:
        raise denied(ACTION)
    call.touch("saml-provider", provider_arn)
    now = call.request.time
    if provider.valid_until is not None:
        valid_until = provider.valid_until
        if valid_until.tzinfo is None:
            valid_until = valid_until.replace(tzinfo=UTC)
        if valid_until.timestamp() <= now:
            raise InvalidIdentityToken(
                f"The metadata of the SAML provider {provider_arn} is no longer valid "
                f"(ValidUntil {valid_until.strftime('%Y-%m-%dT%H:%M:%SZ')})."
            )
    verified = _verified(
        p["SAMLAssertion"],
        provider.metadata_document,
        now,
        decryption_keys(call.runtime.keyring, provider_arn, provider.private_keys),
        require_encryption=provider.assertion_encryption_mode == "Required",
    )
    if verified.subject is None:
        # AWS: a response without a Subject holding a NameID is not authorized.
        raise denied(ACTION)
    role_arn: str = p["RoleArn"]
    if (role_arn, provider_arn) not in aws_attributes.role_pairs(verified):
        raise denied(ACTION)
    try:
        session_name = aws_attributes.session_name(verified)
        session_duration = aws_attributes.session_duration(verified)
        tags, transitive = aws_attributes.session_tags(verified)
        source_identity = aws_attributes.source_identity(verified)
    except saml.InvalidResponse as exc:
        raise InvalidIdentityToken(str(exc)) from None
    check_idp_tags(tags, transitive)
    if source_identity is not None:
        check_source_identity(source_identity)

    role = target_role(call, ACTION)
    if role.name.startswith(_SSO_ROLE_PREFIX):
        raise denied(ACTION)
    seconds = role_duration(role, p.get("DurationSeconds"))
    if session_duration is not None:
        seconds = min(seconds, session_duration)
    if verified.session_not_on_or_after is not None:
        remaining = int(verified.session_not_on_or_after - now)
        if remaining <= 0:
            raise ExpiredTokenException("Response has expired")
        seconds = min(seconds, remaining)

    name_qualifier = base64.b64encode(
        hashlib.sha1(  # noqa: S324 - AWS's definition of the name qualifier
            f"{verified.issuer}{call.account_id}/{provider_name}".encode()
        ).digest()
    ).decode("ascii")
    subject = verified.subject
    subject_type = _subject_type(verified.subject_format)
    caller = Principal(
        PrincipalKind.SAML_USER,
        call.account_id,
        "",
        f"{name_qualifier}:{subject}",
        subject,
        None,
        identity_provider=provider_arn,
    )
    keys: dict[str, tuple[str, ...]] = aws_attributes.attribute_keys(verified)
    keys.update(
        {
            "saml:aud": (verified.recipient,),
            "saml:iss": (verified.issuer,),
            "saml:sub": (subject,),
            "saml:sub_type": (subject_type,),
            "saml:namequalifier": (name_qualifier,),
            "saml:doc": (f"{call.account_id}/{provider_name}",),
        }
    )
    request = FederatedSession(
        action=ACTION,
        role=role,
        caller=caller,
        session_name=session_name,
        duration=seconds,
        provider_arn=provider_arn,
        federation="saml",
        keys=keys,
        session_keys=SESSION_KEYS,
        tags=tags,
        transitive_tag_keys=transitive,
        source_identity=source_identity,
    )
    result = assume(call, request)
    result["Subject"] = subject
    result["SubjectType"] = subject_type
    result["Issuer"] = verified.issuer
    result["Audience"] = verified.recipient
    result["NameQualifier"] = name_qualifier
    return result


def _verified(
    response: str,
    metadata: str,
    now: float,
    keys: list[RSAPrivateKey],
    *,
    require_encryption: bool,
) -> saml.Assertion:
    try:
        return saml.verify(
            response,
            metadata,
            now=now,
            decryption_keys=keys,
            require_encryption=require_encryption,
        )
    except saml.ExpiredResponse as exc:
        raise ExpiredTokenException(str(exc)) from None
    except saml.RejectedByIdp as exc:
        raise IDPRejectedClaim(str(exc)) from None
    except saml.InvalidResponse as exc:
        raise InvalidIdentityToken(str(exc)) from None


def _subject_type(name_format: str | None) -> str:
    """AWS's SubjectType: the NameID Format, the SAML 2.0 prefix stripped."""
    if name_format is None:
        # SAML core: a NameID without Format is "unspecified".
        return "urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified"
    if name_format.startswith(NAME_ID_FORMAT_PREFIX):
        return name_format[len(NAME_ID_FORMAT_PREFIX) :]
    return name_format
