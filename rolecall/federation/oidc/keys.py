"""The signing keys of OpenID Connect issuers: discovered, fetched and cached.

OpenID Connect Discovery 1.0: the issuer publishes
``<issuer>/.well-known/openid-configuration``, whose ``jwks_uri`` names its JSON
Web Key Set (RFC 7517).  Key sets are cached per issuer; a token signed with a
key id the cached set lacks triggers one early refetch (issuers rotate keys),
at most once a minute so that made-up key ids cannot make rolecall hammer an
issuer.  Failures are remembered briefly for the same reason (unless the
provider's thumbprints change, which deserves a new try at once).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from jwt import PyJWK, PyJWKSet
from jwt.exceptions import PyJWKError, PyJWKSetError

from ..https import FetchError, get_json

#: How long a fetched key set is used before it is fetched again.
KEYS_TTL = 3600.0
#: Minimum age of a cached key set before an unknown key id refetches it.
REFETCH_AFTER = 60.0
#: How long a failed fetch is remembered.
FAILURE_TTL = 10.0

Fetch = Callable[[str, Sequence[str]], Any]


class KeyNotFound(Exception):
    """The issuer publishes no key the token could have been signed with."""


@dataclass(frozen=True, slots=True)
class _Entry:
    keys: PyJWKSet | None
    fetched: float
    error: FetchError | None = None
    #: the thumbprints a failed fetch was tried with (new ones deserve a new try)
    thumbprints: tuple[str, ...] = ()


class KeySource:
    """Signing keys by issuer, fetched over HTTPS on demand (thread-safe)."""

    def __init__(
        self, fetch: Fetch = get_json, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._fetch = fetch
        self._clock = clock
        self._entries: dict[str, _Entry] = {}
        self._lock = threading.Lock()

    def key(self, issuer_url: str, key_id: str | None, thumbprints: Sequence[str]) -> PyJWK:
        """The key ``key_id`` of the issuer at ``issuer_url`` (https URL, no trailing slash).

        Without a key id the issuer's set must hold exactly one signing key.
        Raises :class:`FetchError` when the issuer cannot be read and
        :class:`KeyNotFound` when it has no such key.
        """
        now = self._clock()
        with self._lock:
            entry = self._entries.get(issuer_url)
        if entry is not None and entry.error is None and now - entry.fetched <= KEYS_TTL:
            found = _pick(entry.keys, key_id) if entry.keys is not None else None
            if found is not None or now - entry.fetched < REFETCH_AFTER:
                return _found(found, issuer_url, key_id)
        elif (
            entry is not None
            and entry.error is not None
            and now - entry.fetched <= FAILURE_TTL
            and entry.thumbprints == tuple(thumbprints)
        ):
            raise entry.error
        entry = self._refresh(issuer_url, thumbprints, now)
        if entry.error is not None:
            raise entry.error
        return _found(_pick(entry.keys, key_id) if entry.keys else None, issuer_url, key_id)

    def forget(self) -> None:
        """Drop every cached key set."""
        with self._lock:
            self._entries.clear()

    def _refresh(self, issuer_url: str, thumbprints: Sequence[str], now: float) -> _Entry:
        try:
            entry = _Entry(_discover(self._fetch, issuer_url, thumbprints), now)
        except FetchError as exc:
            entry = _Entry(None, now, exc, tuple(thumbprints))
        with self._lock:
            self._entries[issuer_url] = entry
        return entry


def _discover(fetch: Fetch, issuer_url: str, thumbprints: Sequence[str]) -> PyJWKSet:
    config = fetch(f"{issuer_url}/.well-known/openid-configuration", thumbprints)
    if not isinstance(config, dict):
        raise FetchError(f"{issuer_url}'s OpenID configuration is not a JSON object")
    jwks_uri = config.get("jwks_uri")
    if not isinstance(jwks_uri, str) or not jwks_uri.startswith("https://"):
        raise FetchError(f"{issuer_url}'s OpenID configuration has no https jwks_uri")
    document = fetch(jwks_uri, thumbprints)
    try:
        return PyJWKSet.from_dict(document)
    except (PyJWKSetError, PyJWKError, AttributeError, TypeError, ValueError) as exc:
        raise FetchError(f"{jwks_uri} is not a usable JSON Web Key Set: {exc}") from None


def _pick(keys: PyJWKSet, key_id: str | None) -> PyJWK | None:
    signing = [k for k in keys.keys if k.public_key_use in (None, "sig")]
    if key_id is None:
        return signing[0] if len(signing) == 1 else None
    for key in signing:
        if key.key_id == key_id:
            return key
    return None


def _found(key: PyJWK | None, issuer_url: str, key_id: str | None) -> PyJWK:
    if key is None:
        raise KeyNotFound(
            f"{issuer_url} publishes no signing key "
            + (f"with key id {key_id!r}" if key_id else "usable without a key id")
        )
    return key
