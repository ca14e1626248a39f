"""AWS Signature Version 4 verification: the public API.

Use per request::

    info = parse_signed_request(req, now=wall_time())   # or check_freshness() after
    secret = <look up info.access_key_id; unknown -> raise InvalidClientTokenId()>
    verifier.verify(req, info, secret)                  # SignatureDoesNotMatch if bad

The server does not know which host the client meant to reach: it verifies over what
the client signed, and only insists that ``host`` (or ``:authority``) was signed.
"""

from __future__ import annotations

import hmac
import secrets
import threading
from collections import OrderedDict
from hashlib import blake2b

from rolecall.auth.sigv4_canonical import (
    build_canonical_request,
    canonical_request,
    check_declared_payload,
    payload_hash,
    string_to_sign,
)
from rolecall.auth.sigv4_errors import (
    MSG_SIGNATURE_DOES_NOT_MATCH,
    AuthorizationQueryParametersError,
    ExpiredToken,
    IncompleteSignature,
    InvalidClientTokenId,
    MissingAuthenticationToken,
    PresignedRequestExpired,
    SignatureDoesNotMatch,
    XAmzContentSHA256Mismatch,
)
from rolecall.auth.sigv4_parse import check_freshness, parse_signed_request
from rolecall.auth.sigv4_request import HttpRequest, SignedRequestInfo, raw_bytes

__all__ = [
    "AuthorizationQueryParametersError",
    "ExpiredToken",
    "HttpRequest",
    "IncompleteSignature",
    "InvalidClientTokenId",
    "MissingAuthenticationToken",
    "PresignedRequestExpired",
    "SigV4Verifier",
    "SignatureDoesNotMatch",
    "SignedRequestInfo",
    "XAmzContentSHA256Mismatch",
    "canonical_request",
    "check_freshness",
    "derive_signing_key",
    "parse_signed_request",
    "string_to_sign",
]


def derive_signing_key(secret_access_key: str, date: str, region: str, service: str) -> bytes:
    """SigV4's signing key: HMAC chain over date, region, service and ``aws4_request``."""
    key = hmac.digest(("AWS4" + secret_access_key).encode("utf-8"), raw_bytes(date), "sha256")
    key = hmac.digest(key, raw_bytes(region), "sha256")
    key = hmac.digest(key, raw_bytes(service), "sha256")
    return hmac.digest(key, b"aws4_request", "sha256")


class SigV4Verifier:
    """Checks SigV4 signatures, caching signing keys in a bounded LRU.

    A signing key is only good for one (secret, date, region, service), so the cache
    mostly holds one entry per active key per day.  Its keys identify the secret by a
    BLAKE2b MAC under a per-verifier random key, never by the secret itself.
    ``verbose_errors`` appends the canonical request and string to sign to
    SignatureDoesNotMatch messages, as STS used to; useful when debugging a client.
    """

    def __init__(self, key_cache_size: int = 4096, *, verbose_errors: bool = False) -> None:
        if key_cache_size < 0:
            raise ValueError("key_cache_size must not be negative")
        self._cache_size = key_cache_size
        self._cache: OrderedDict[tuple[bytes, str, str, str], bytes] = OrderedDict()
        self._lock = threading.Lock()
        self._mac_key = secrets.token_bytes(32)
        self._verbose = verbose_errors

    def signing_key(self, secret_access_key: str, date: str, region: str, service: str) -> bytes:
        """The signing key for this scope, derived once and then served from the cache."""
        secret_id = blake2b(
            secret_access_key.encode("utf-8"), key=self._mac_key, digest_size=32
        ).digest()
        cache_key = (secret_id, date, region, service)
        with self._lock:
            key = self._cache.get(cache_key)
            if key is not None:
                self._cache.move_to_end(cache_key)
                return key
        key = derive_signing_key(secret_access_key, date, region, service)
        if self._cache_size:
            with self._lock:
                self._cache[cache_key] = key
                self._cache.move_to_end(cache_key)
                while len(self._cache) > self._cache_size:
                    self._cache.popitem(last=False)
        return key

    def verify(
        self,
        req: HttpRequest,
        info: SignedRequestInfo,
        secret_access_key: str,
        key_cache: dict[tuple[str, str, str], bytes] | None = None,
    ) -> None:
        """Raise SignatureDoesNotMatch unless ``info.signature`` signs ``req``.

        ``key_cache``, when given, holds the signing keys of this one secret by
        (date, region, service) — kept with the resolved credential, so that the
        common case needs neither the shared cache nor a MAC of the secret.

        Also raises MalformedQueryString for a broken ``%`` escape in the query and
        XAmzContentSHA256Mismatch when X-Amz-Content-Sha256 is unusable or (checked after
        the signature) does not match the body.
        """
        payload, declared = payload_hash(req)
        canonical = build_canonical_request(req, info, payload)
        to_sign = string_to_sign(info, canonical)
        scope = (info.date, info.region, info.service)
        key = key_cache.get(scope) if key_cache is not None else None
        if key is None:
            key = self.signing_key(secret_access_key, *scope)
            if key_cache is not None:
                if len(key_cache) >= 8:
                    key_cache.clear()  # a handful of scopes per credential and day
                key_cache[scope] = key
        expected = hmac.digest(key, to_sign, "sha256").hex().encode("ascii")
        if not hmac.compare_digest(expected, raw_bytes(info.signature)):
            if self._verbose:
                raise SignatureDoesNotMatch(_verbose_message(canonical, to_sign))
            raise SignatureDoesNotMatch()
        if declared:
            check_declared_payload(req, payload)


def _verbose_message(canonical: bytes, to_sign: bytes) -> str:
    """The long form of the mismatch message, laid out as STS printed it."""
    return (
        f"{MSG_SIGNATURE_DOES_NOT_MATCH}\n\n"
        f"The Canonical String for this request should have been\n"
        f"'{canonical.decode('latin-1')}'\n\n"
        f"The String-to-Sign should have been\n'{to_sign.decode('latin-1')}'\n"
    )
