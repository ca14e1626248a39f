"""The signing-key cache: derived once, bounded, LRU, and never keyed by the secret."""

from __future__ import annotations

import threading

import pytest
from sigv4_helpers import SECRET_KEY, sign

import rolecall.auth.sigv4 as sigv4
from rolecall.auth.sigv4 import SigV4Verifier, derive_signing_key, parse_signed_request


class CountingDerive:
    def __init__(self) -> None:
        self.calls: list[tuple[str, str, str, str]] = []

    def __call__(self, secret: str, date: str, region: str, service: str) -> bytes:
        self.calls.append((secret, date, region, service))
        return derive_signing_key(secret, date, region, service)


@pytest.fixture
def counting(monkeypatch: pytest.MonkeyPatch) -> CountingDerive:
    counter = CountingDerive()
    monkeypatch.setattr(sigv4, "derive_signing_key", counter)
    return counter


def test_key_is_derived_once_per_scope(counting: CountingDerive) -> None:
    verifier = SigV4Verifier()
    req = sign()
    info = parse_signed_request(req)
    for _ in range(5):
        verifier.verify(req, info, SECRET_KEY)
    assert len(counting.calls) == 1
    other = sign(service="sts", url="https://sts.amazonaws.com/")
    verifier.verify(other, parse_signed_request(other), SECRET_KEY)
    assert len(counting.calls) == 2


def test_cached_key_is_the_derived_key() -> None:
    verifier = SigV4Verifier()
    first = verifier.signing_key(SECRET_KEY, "20240501", "us-east-1", "iam")
    assert first == verifier.signing_key(SECRET_KEY, "20240501", "us-east-1", "iam")
    assert first == derive_signing_key(SECRET_KEY, "20240501", "us-east-1", "iam")


def test_different_secrets_do_not_share_a_key() -> None:
    verifier = SigV4Verifier()
    a = verifier.signing_key("secret-a", "20240501", "us-east-1", "iam")
    b = verifier.signing_key("secret-b", "20240501", "us-east-1", "iam")
    assert a != b


def test_lru_eviction(counting: CountingDerive) -> None:
    verifier = SigV4Verifier(key_cache_size=2)
    verifier.signing_key("a", "20240501", "us-east-1", "iam")
    verifier.signing_key("b", "20240501", "us-east-1", "iam")
    verifier.signing_key("a", "20240501", "us-east-1", "iam")  # a is now most recent
    verifier.signing_key("c", "20240501", "us-east-1", "iam")  # evicts b
    assert len(counting.calls) == 3
    verifier.signing_key("a", "20240501", "us-east-1", "iam")
    assert len(counting.calls) == 3
    verifier.signing_key("b", "20240501", "us-east-1", "iam")
    assert [call[0] for call in counting.calls] == ["a", "b", "c", "b"]


def test_cache_size_zero_disables_caching(counting: CountingDerive) -> None:
    verifier = SigV4Verifier(key_cache_size=0)
    for _ in range(3):
        verifier.signing_key("a", "20240501", "us-east-1", "iam")
    assert len(counting.calls) == 3


def test_negative_cache_size_is_refused() -> None:
    with pytest.raises(ValueError, match="key_cache_size"):
        SigV4Verifier(key_cache_size=-1)


def test_secret_is_not_kept_in_the_verifier() -> None:
    verifier = SigV4Verifier()
    secret = "a-very-recognisable-secret-value-0123456789"
    verifier.signing_key(secret, "20240501", "us-east-1", "iam")
    for value in vars(verifier).values():
        assert secret not in repr(value)
        assert secret.encode() not in repr(value).encode()
    for cache_key in verifier._cache:
        assert secret not in cache_key
        assert secret.encode() not in cache_key


def test_concurrent_use_is_safe() -> None:
    verifier = SigV4Verifier(key_cache_size=8)
    errors: list[BaseException] = []

    def work(worker: int) -> None:
        try:
            for i in range(300):
                secret = f"s{(worker + i) % 20}"
                key = verifier.signing_key(secret, "20240501", "us-east-1", "iam")
                assert key == derive_signing_key(secret, "20240501", "us-east-1", "iam")
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert len(verifier._cache) <= 8


def test_per_credential_key_cache(counting: CountingDerive) -> None:
    verifier = SigV4Verifier(key_cache_size=0)  # only the caller's cache can help
    mine: dict[tuple[str, str, str], bytes] = {}
    req = sign()
    info = parse_signed_request(req)
    for _ in range(3):
        verifier.verify(req, info, SECRET_KEY, mine)
    assert len(counting.calls) == 1
    scope = (info.date, info.region, info.service)
    assert mine == {scope: derive_signing_key(SECRET_KEY, *scope)}
    # A wrong secret with its own (empty) cache still fails, and caches nothing wrong
    # into a cache it was not given.
    theirs: dict[tuple[str, str, str], bytes] = {}
    with pytest.raises(sigv4.SignatureDoesNotMatch):
        verifier.verify(req, info, "not-the-secret", theirs)
    assert mine[scope] == derive_signing_key(SECRET_KEY, *scope)


def test_per_credential_key_cache_stays_small() -> None:
    verifier = SigV4Verifier()
    mine: dict[tuple[str, str, str], bytes] = {}
    for region in ("us-east-1", "us-west-2", "eu-west-1", "ap-south-1", "sa-east-1"):
        for service in ("iam", "sts"):
            req = sign(region=region, service=service)
            verifier.verify(req, parse_signed_request(req), SECRET_KEY, mine)
            assert len(mine) <= 8
