"""AssumeRoleWithWebIdentity: a role's credentials for the holder of an OIDC ID token.

The token's ``iss`` names an IAM OIDC provider of the role's account; its
signature is checked with the issuer's published keys (fetched over HTTPS, see
:mod:`rolecall.federation.oidc.keys`), its audience must be one of the
provider's client ids, and the role's trust policy must name the provider.  The
token's ``sub``, audience, ``amr`` and ``email`` become ``<provider>:...``
condition keys; its ``https://aws.amazon.com/tags`` and
``https://aws.amazon.com/source_identity`` claims become session tags and the
source identity.

Judgement where AWS documents nothing: when the token has an ``azp`` claim it is
the audience checked (AWS documents this for Google; real failures show STS does
it for every provider), and a token with several audiences needs one.  OAuth 2.0
access tokens (``ProviderId``) are not supported: they can only be checked by
calling Amazon's or Facebook's servers.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from rolecall.api.call import Call
from rolecall.api.registry import operation
from rolecall.auth.principal import Principal, PrincipalKind
from rolecall.federation.https import FetchError, Unreachable, UntrustedCertificate
from rolecall.federation.oidc import id_token
from rolecall.federation.oidc.keys import KeyNotFound
from rolecall.iam.ops.oidc_providers import find_provider, provider_arn

from ..errors import ExpiredTokenException, IDPCommunicationError, InvalidIdentityToken
from ..federated import (
    FederatedSession,
    assume,
    check_idp_tags,
    check_source_identity,
    target_role,
)
from ..sessions import role_duration

log = logging.getLogger(__name__)

ACTION = "sts:AssumeRoleWithWebIdentity"
TAGS_CLAIM = "https://aws.amazon.com/tags"
SOURCE_IDENTITY_CLAIM = "https://aws.amazon.com/source_identity"
#: Claims of GitHub Actions tokens that AWS offers as trust-policy condition keys.
GITHUB_ISSUER = "token.actions.githubusercontent.com"
GITHUB_CLAIMS = (
    "actor",
    "actor_id",
    "job_workflow_ref",
    "repository",
    "repository_id",
    "repository_owner_id",
    "workflow",
    "ref",
    "environment",
    "enterprise_id",
)
#: The provider keys a session keeps for its permission policies (``${<issuer>:sub}``);
#: the GitHub claim keys are trust-policy only, as AWS documents.
SESSION_CLAIMS = ("aud", "oaud", "sub", "amr")
_NO_KEY = (
    "Couldn't retrieve verification key from your identity provider,  please reference "
    "AssumeRoleWithWebIdentity documentation for requirements"
)


@operation(
    "sts",
    "AssumeRoleWithWebIdentity",
    pre_authorize=False,
    secret_params=("WebIdentityToken",),
)
def assume_role_with_web_identity(call: Call) -> dict[str, Any]:
    p = call.params
    if p.get("ProviderId"):
        raise InvalidIdentityToken(
            "rolecall verifies OpenID Connect ID tokens only; OAuth 2.0 access tokens "
            f"from {p['ProviderId']} cannot be checked without calling that provider."
        )
    token: str = p["WebIdentityToken"]
    try:
        seen = id_token.peek(token)
    except id_token.InvalidToken as exc:
        raise InvalidIdentityToken(f"The web identity token is not valid: {exc}") from None
    provider = _provider(call, seen.issuer)
    if provider is None:
        raise InvalidIdentityToken(
            f"No OpenIDConnect provider found in your account for {seen.issuer}"
        )
    arn = provider_arn(call.account_id, provider.url)
    call.touch("oidc-provider", arn)
    claims = _verified_claims(call, token, seen, provider)
    audience = _audience(claims, json.loads(provider.client_ids))
    subject: str = claims["sub"]
    tags, transitive = _session_tags(claims)
    source_identity = claims.get(SOURCE_IDENTITY_CLAIM)
    if source_identity is not None:
        if not isinstance(source_identity, str):
            raise InvalidIdentityToken(f"The {SOURCE_IDENTITY_CLAIM} claim must be a string.")
        check_source_identity(source_identity)

    role = target_role(call, ACTION)
    caller = Principal(
        PrincipalKind.WEB_IDENTITY_USER,
        call.account_id,
        "",
        f"{arn}:{audience}:{subject}",
        subject,
        None,
        identity_provider=arn,
    )
    request = FederatedSession(
        action=ACTION,
        role=role,
        caller=caller,
        session_name=p["RoleSessionName"],
        duration=role_duration(role, p.get("DurationSeconds")),
        provider_arn=arn,
        federation="oidc",
        keys=_condition_keys(provider.url, arn, claims, audience),
        session_keys=tuple(f"{provider.url.lower()}:{name}" for name in SESSION_CLAIMS),
        tags=tags,
        transitive_tag_keys=transitive,
        source_identity=source_identity,
    )
    result = assume(call, request)
    result["SubjectFromWebIdentityToken"] = subject
    result["Provider"] = arn
    result["Audience"] = audience
    return result


def _provider(call: Call, issuer: str) -> Any:
    """The IAM OIDC provider of the role's account whose URL is the token's issuer."""
    if not issuer.startswith("https://"):
        return None
    with call.runtime.store.read() as conn:
        return find_provider(
            conn, call.account_id, provider_arn(call.account_id, issuer[len("https://") :])
        )


def _verified_claims(
    call: Call, token: str, seen: id_token.UnverifiedToken, provider: Any
) -> dict[str, Any]:
    thumbprints = json.loads(provider.thumbprints)
    try:
        key = call.runtime.oidc_keys.key(
            seen.issuer.rstrip("/"), seen.key_id, thumbprints, seen.algorithm
        )
    except UntrustedCertificate:
        raise InvalidIdentityToken(
            "OpenIDConnect provider's HTTPS certificate doesn't match configured thumbprint"
        ) from None
    except Unreachable as exc:
        # The reason (refused, timed out...) stays in the server log: answering
        # with it would let callers map the network through provider URLs.
        log.warning("identity provider %s unreachable: %s", seen.issuer, exc)
        raise IDPCommunicationError(
            f"The identity provider {seen.issuer} could not be reached."
        ) from None
    except (FetchError, KeyNotFound):
        raise InvalidIdentityToken(_NO_KEY) from None
    now = call.request.time
    try:
        return id_token.verify(token, key, issuer=seen.issuer, now=now)
    except id_token.ExpiredToken as exc:
        raise ExpiredTokenException(
            f"Token expired: current date/time {int(now)} must be before the expiration "
            f"date/time {exc.expires_at}"
        ) from None
    except id_token.InvalidToken as exc:
        raise InvalidIdentityToken(str(exc)) from None


def _audience(claims: dict[str, Any], client_ids: list[str]) -> str:
    azp = claims.get("azp")
    if isinstance(azp, str):
        audience = azp
    else:
        found = id_token.audiences(claims)
        if len(found) != 1:
            raise InvalidIdentityToken("Incorrect token audience")
        audience = found[0]
    if audience not in client_ids:
        raise InvalidIdentityToken("Incorrect token audience")
    return audience


def _session_tags(
    claims: dict[str, Any],
) -> tuple[tuple[tuple[str, str], ...], tuple[str, ...]]:
    raw = claims.get(TAGS_CLAIM)
    if raw is None:
        return (), ()
    bad = InvalidIdentityToken(
        f"The {TAGS_CLAIM} claim must hold principal_tags (each key with one string value) "
        "and optionally transitive_tag_keys (a list of strings)."
    )
    if not isinstance(raw, dict):
        raise bad
    principal_tags = raw.get("principal_tags") or {}
    transitive = raw.get("transitive_tag_keys") or []
    if not isinstance(principal_tags, dict) or not isinstance(transitive, list):
        raise bad
    tags: list[tuple[str, str]] = []
    for key, given in principal_tags.items():
        values = [given] if isinstance(given, str) else given
        if not isinstance(values, list) or len(values) != 1 or not isinstance(values[0], str):
            # AWS: one value per session tag; multivalued session tags are not supported.
            raise bad
        tags.append((key, values[0]))
    if not all(isinstance(k, str) for k in transitive):
        raise bad
    check_idp_tags(tags, transitive)
    return tuple(tags), tuple(transitive)


def _condition_keys(
    url: str, arn: str, claims: dict[str, Any], audience: str
) -> dict[str, tuple[str, ...]]:
    """``aws:FederatedProvider`` and the ``<provider URL without https://>:...`` keys."""
    prefix = url.lower()
    keys: dict[str, tuple[str, ...]] = {
        "aws:federatedprovider": (arn,),
        f"{prefix}:aud": (audience,),
        f"{prefix}:sub": (claims["sub"],),
    }
    if isinstance(claims.get("azp"), str):
        keys[f"{prefix}:oaud"] = tuple(id_token.audiences(claims))
    amr = claims.get("amr")
    if isinstance(amr, str):
        keys[f"{prefix}:amr"] = (amr,)
    elif isinstance(amr, list):
        keys[f"{prefix}:amr"] = tuple(str(a) for a in amr)
    if isinstance(claims.get("email"), str):
        keys[f"{prefix}:email"] = (claims["email"],)
    if url == GITHUB_ISSUER:
        for name in GITHUB_CLAIMS:
            value = claims.get(name)
            if isinstance(value, str | int) and not isinstance(value, bool):
                keys[f"{prefix}:{name}"] = (str(value),)
    return keys
