"""The signing keys of OpenID Connect issuers: discovered, fetched and cached.

OpenID Connect Discovery 1.0: the issuer publishes
``<issuer>/.well-known/openid-configuration``, whose ``jwks_uri`` names its JSON
Web Key Set (RFC 7517).  Key sets are cached per issuer and thumbprint list; a
token signed with a key id the cached set lacks triggers one early refetch
(issuers rotate keys), at most once a minute so that made-up key ids cannot
make rolecall hammer an issuer.  Failures are remembered briefly for the same
reason, and a failed refetch keeps the last good key set in use.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from jwt import PyJWK
from jwt.exceptions import InvalidKeyError, PyJWKError

from ..https import FetchError, get_json

#: How long a fetched key set is used before it is fetched again.
KEYS_TTL = 3600.0
#: Minimum age of a cached key set before an unknown key id refetches it.
REFETCH_AFTER = 60.0
#: How long a failed fetch is remembered.
FAILURE_TTL = 10.0

Fetch = Callable[[str, Sequence[str]], Any]
#: An issuer's usable keys: each JWK as published, and parsed.
KeySet = list[tuple[dict[str, Any], PyJWK]]
_FAMILIES = {"RS": "RSA", "ES": "EC"}
#: An issuer URL and the (sorted, lower-case) thumbprints its keys were fetched under.
_EntryKey = tuple[str, tuple[str, ...]]


class KeyNotFound(Exception):
    """The issuer publishes no key the token could have been signed with."""


@dataclass(frozen=True, slots=True)
class _Entry:
    #: the last key set fetched successfully, and when
    keys: KeySet | None
    fetched: float
    #: the last failure, and when (``None`` once a fetch succeeds)
    error: FetchError | None = None
    failed: float = 0.0


class KeySource:
    """Signing keys by issuer, fetched over HTTPS on demand (thread-safe).

    Entries are keyed by the issuer *and* the thumbprints that vouched for the
    fetch, so keys fetched under one IAM provider's pins never serve another
    provider (of another account, say) that pins differently, and a changed
    thumbprint list means a fresh fetch.  Only one fetch per entry runs at a
    time; concurrent requests wait for it rather than hitting the issuer too.
    """

    def __init__(
        self, fetch: Fetch = get_json, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._fetch = fetch
        self._clock = clock
        self._entries: dict[_EntryKey, _Entry] = {}
        self._fetching: dict[_EntryKey, threading.Lock] = {}
        self._lock = threading.Lock()

    def key(
        self,
        issuer_url: str,
        key_id: str | None,
        thumbprints: Sequence[str],
        algorithm: str | None = None,
    ) -> PyJWK:
        """The key ``key_id`` of the issuer at ``issuer_url`` (https URL, no trailing slash).

        Without a key id the issuer's set must hold exactly one signing key.
        ``algorithm`` is the token's: a key published without ``alg`` is bound to it.
        Raises :class:`FetchError` when the issuer cannot be read and
        :class:`KeyNotFound` when it has no such key.
        """
        entry_key = (issuer_url, tuple(sorted(t.lower() for t in thumbprints)))
        entry = self._usable(entry_key, key_id, algorithm)
        if isinstance(entry, PyJWK):
            return entry
        with self._lock:
            fetching = self._fetching.setdefault(entry_key, threading.Lock())
        with fetching:
            # Another thread may have fetched while this one waited.
            found = self._usable(entry_key, key_id, algorithm)
            if isinstance(found, PyJWK):
                return found
            entry = self._refresh(entry_key, thumbprints)
        keys = entry.keys if entry.keys is not None and self._fresh(entry) else None
        if keys is None:
            raise entry.error or KeyNotFound(f"{issuer_url} publishes no signing key")
        return _found(_pick(keys, key_id, algorithm), issuer_url, key_id)

    def forget(self) -> None:
        """Drop every cached key set."""
        with self._lock:
            self._entries.clear()

    def _fresh(self, entry: _Entry) -> bool:
        return self._clock() - entry.fetched <= KEYS_TTL

    def _usable(
        self, entry_key: _EntryKey, key_id: str | None, algorithm: str | None
    ) -> PyJWK | _Entry | None:
        """The key from the cache, or the entry when a fetch is not worth trying now.

        Raises the cached failure while it is recent and there are no keys to fall
        back on, and KeyNotFound for an unknown key id within a minute of a fetch.
        """
        now = self._clock()
        with self._lock:
            entry = self._entries.get(entry_key)
        if entry is None:
            return None
        recent_failure = entry.error is not None and now - entry.failed <= FAILURE_TTL
        if entry.keys is not None and self._fresh(entry):
            found = _pick(entry.keys, key_id, algorithm)
            if found is not None:
                return found
            if now - entry.fetched < REFETCH_AFTER or recent_failure:
                raise _missing(entry_key[0], key_id)
            return None
        if recent_failure and entry.error is not None:
            raise entry.error
        return None

    def _refresh(self, entry_key: _EntryKey, thumbprints: Sequence[str]) -> _Entry:
        now = self._clock()
        with self._lock:
            previous = self._entries.get(entry_key)
        try:
            entry = _Entry(_discover(self._fetch, entry_key[0], thumbprints), now)
        except FetchError as exc:
            entry = _failed(previous, exc, now)
        except Exception as exc:  # a provider must never turn into a 500
            entry = _failed(previous, FetchError(f"{entry_key[0]}: {exc!r}"), now)
        with self._lock:
            self._entries[entry_key] = entry
        return entry


def _failed(previous: _Entry | None, error: FetchError, now: float) -> _Entry:
    """A failure, keeping the last good key set (a flaky issuer's keys still verify)."""
    if previous is not None and previous.keys is not None:
        return _Entry(previous.keys, previous.fetched, error, now)
    return _Entry(None, 0.0, error, now)


def _discover(fetch: Fetch, issuer_url: str, thumbprints: Sequence[str]) -> KeySet:
    config = fetch(f"{issuer_url}/.well-known/openid-configuration", thumbprints)
    if not isinstance(config, dict):
        raise FetchError(f"{issuer_url}'s OpenID configuration is not a JSON object")
    jwks_uri = config.get("jwks_uri")
    if not isinstance(jwks_uri, str) or not jwks_uri.startswith("https://"):
        raise FetchError(f"{issuer_url}'s OpenID configuration has no https jwks_uri")
    document = fetch(jwks_uri, thumbprints)
    entries = document.get("keys") if isinstance(document, dict) else None
    keys: KeySet = []
    for data in entries if isinstance(entries, list) else []:
        if not isinstance(data, dict):
            continue
        try:
            keys.append((data, PyJWK(data)))
        except (PyJWKError, InvalidKeyError, AttributeError, TypeError, ValueError):
            continue  # a key of a kind rolecall cannot use (as PyJWKSet skips them)
    if not keys:
        raise FetchError(f"{jwks_uri} is not a JSON Web Key Set with a usable key")
    return keys


def _pick(keys: KeySet, key_id: str | None, algorithm: str | None = None) -> PyJWK | None:
    """The signing key named ``key_id`` (or the only one), bound to ``algorithm``.

    A JWK without ``alg`` may sign with any algorithm of its type (RFC 7517);
    PyJWT would assume RS256 or ES256, so such a key is rebound to the token's
    algorithm when the families agree.  A declared ``alg`` is never overridden.
    """
    signing = [(d, k) for d, k in keys if k.public_key_use in (None, "sig")]
    if key_id is None:
        chosen = signing[0] if len(signing) == 1 else None
    else:
        chosen = next(((d, k) for d, k in signing if k.key_id == key_id), None)
    if chosen is None:
        return None
    data, key = chosen
    if (
        algorithm is not None
        and "alg" not in data
        and algorithm != key.algorithm_name
        and _FAMILIES.get(algorithm[:2]) == data.get("kty")
    ):
        try:
            return PyJWK(data, algorithm=algorithm)
        except (PyJWKError, InvalidKeyError, ValueError):
            return key
    return key


def _found(key: PyJWK | None, issuer_url: str, key_id: str | None) -> PyJWK:
    if key is None:
        raise _missing(issuer_url, key_id)
    return key


def _missing(issuer_url: str, key_id: str | None) -> KeyNotFound:
    return KeyNotFound(
        f"{issuer_url} publishes no signing key "
        + (f"with key id {key_id!r}" if key_id else "usable without a key id")
    )
