"""Verifying OpenID Connect ID tokens (signed JWTs, RFC 7519) as STS does.

A token is read twice: first without trusting it (:func:`peek`), to learn its
issuer and key id, which pick the IAM provider and the signing key; then for
real (:func:`verify`): signature with an asymmetric algorithm only (``none`` and
HMAC are never accepted, so a public key cannot be used as an HMAC secret),
issuer, and the time claims against the server's clock (the development clock
included, so expiry can be tested without waiting).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import jwt
from jwt import PyJWK

#: The signature algorithms AWS accepts for ID tokens.
ALGORITHMS = ("RS256", "RS384", "RS512", "ES256", "ES384", "ES512")


class InvalidToken(Exception):
    """The token is not a well-formed, authentic ID token."""


class ExpiredToken(InvalidToken):
    """The token's ``exp`` has passed."""

    def __init__(self, expires_at: int) -> None:
        super().__init__(f"the token expired at {expires_at}")
        self.expires_at = expires_at


@dataclass(frozen=True, slots=True)
class UnverifiedToken:
    """What a token claims about itself, before its signature is checked."""

    issuer: str
    key_id: str | None
    algorithm: str


def peek(token: str) -> UnverifiedToken:
    """The issuer, key id and algorithm a token names (nothing is verified yet)."""
    try:
        header = jwt.get_unverified_header(token)
        claims = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError:
        # The parser's own wording (byte offsets, codec names) helps nobody.
        raise InvalidToken("the token is not a well-formed JWT") from None
    issuer = claims.get("iss")
    if not isinstance(issuer, str) or not issuer:
        raise InvalidToken("the token has no issuer (iss) claim")
    key_id = header.get("kid")
    algorithm = header.get("alg")
    if algorithm not in ALGORITHMS:
        raise InvalidToken(f"the token's signature algorithm {algorithm!r} is not supported")
    return UnverifiedToken(issuer, key_id if isinstance(key_id, str) else None, algorithm)


def verify(token: str, key: PyJWK, *, issuer: str, now: float) -> dict[str, Any]:
    """The claims of ``token`` once its signature, issuer and times check out.

    Audiences are the caller's business (they depend on the IAM provider).
    """
    seen = peek(token)
    if key.algorithm_name != seen.algorithm:
        raise InvalidToken("the token's algorithm does not match its signing key")
    try:
        claims: dict[str, Any] = jwt.decode(
            token,
            key,
            algorithms=[seen.algorithm],
            issuer=issuer,
            options={
                "verify_exp": False,
                "verify_nbf": False,
                "verify_iat": False,
                "verify_aud": False,
                "require": ["iss", "sub", "aud", "exp"],
            },
        )
    except jwt.MissingRequiredClaimError as exc:
        raise InvalidToken(f"Missing a required claim: {exc.claim}") from None
    except jwt.PyJWTError as exc:
        raise InvalidToken(str(exc)) from None
    for name in ("iat", "nbf"):
        if name in claims and _number(claims, name) is None:
            raise InvalidToken(f"the token's {name} claim is not a number")
    exp = _number(claims, "exp")
    if exp is None:
        raise InvalidToken("the token's exp claim is not a number")
    if now >= exp:
        raise ExpiredToken(int(exp))
    nbf = _number(claims, "nbf")
    if nbf is not None and now < nbf:
        raise InvalidToken("the token is not valid yet (nbf)")
    if not isinstance(claims.get("sub"), str) or not claims["sub"]:
        raise InvalidToken("the token's sub claim is not a string")
    return claims


def audiences(claims: dict[str, Any]) -> list[str]:
    """The ``aud`` claim as a list (it may be one string or several)."""
    aud = claims.get("aud")
    if isinstance(aud, str):
        return [aud]
    if isinstance(aud, list):
        return [a for a in aud if isinstance(a, str)]
    return []


def _number(claims: dict[str, Any], name: str) -> float | None:
    value = claims.get(name)
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)
