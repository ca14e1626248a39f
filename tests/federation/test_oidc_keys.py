"""OIDC key discovery and caching, HTTPS trust, and ID token verification (in process)."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator, Sequence
from typing import Any

import jwt
import pytest
from oidc_idp import OidcIdp, new_key  # type: ignore[import-not-found]

from rolecall.federation.https import (
    FetchError,
    Unreachable,
    UntrustedCertificate,
    get_json,
)
from rolecall.federation.oidc import id_token
from rolecall.federation.oidc.keys import FAILURE_TTL, REFETCH_AFTER, KeyNotFound, KeySource


@pytest.fixture(scope="module")
def idp(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OidcIdp]:
    server = OidcIdp(tmp_path_factory.mktemp("idp"))
    yield server
    server.close()


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


# -- HTTPS trust ------------------------------------------------------------------------


def test_a_ca_signed_certificate_is_trusted_through_the_system_store(idp, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    tenant = idp.tenant()
    monkeypatch.setenv("SSL_CERT_FILE", str(idp.ca_file))
    config = get_json(f"{tenant.issuer}/.well-known/openid-configuration")
    assert config["jwks_uri"] == f"{tenant.issuer}/jwks"


def test_an_unknown_ca_needs_the_thumbprint_of_the_top_certificate(idp, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    tenant = idp.tenant()
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    url = f"{tenant.issuer}/jwks"
    with pytest.raises(UntrustedCertificate):
        get_json(url)
    with pytest.raises(UntrustedCertificate):
        get_json(url, ["f" * 40])
    assert get_json(url, [idp.thumbprint.upper()])["keys"]


def test_http_failures_and_unreachable_hosts(idp) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(FetchError, match="HTTP 404"):
        get_json(f"https://127.0.0.1:{idp.port}/nobody/jwks", [idp.thumbprint])
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed = s.getsockname()[1]
    with pytest.raises(Unreachable):
        get_json(f"https://127.0.0.1:{closed}/x", [idp.thumbprint])
    with pytest.raises(FetchError):
        get_json("http://127.0.0.1/x")


# -- key cache ------------------------------------------------------------------------


class CountingFetch:
    """Fetches for real, counting how often each URL was read."""

    def __init__(self) -> None:
        self.calls: list[str] = []

    def __call__(self, url: str, thumbprints: Sequence[str]) -> Any:
        self.calls.append(url)
        return get_json(url, thumbprints)


def test_key_sets_are_cached_and_refetched_for_new_key_ids(idp) -> None:  # type: ignore[no-untyped-def]
    tenant = idp.tenant()
    clock = Clock()
    fetch = CountingFetch()
    source = KeySource(fetch, clock)
    first = tenant.keys[-1]
    assert source.key(tenant.issuer, first.kid, [idp.thumbprint]).key_id == first.kid
    assert source.key(tenant.issuer, first.kid, [idp.thumbprint]).key_id == first.kid
    assert tenant.jwks_fetches == 1
    rotated = tenant.rotate()
    # An unknown key id within a minute of the last fetch is not worth a refetch...
    with pytest.raises(KeyNotFound):
        source.key(tenant.issuer, rotated.kid, [idp.thumbprint])
    assert tenant.jwks_fetches == 1
    # ...after that it is, and the rotated key is found.
    clock.now += REFETCH_AFTER + 1
    assert source.key(tenant.issuer, rotated.kid, [idp.thumbprint]).key_id == rotated.kid
    assert tenant.jwks_fetches == 2


def test_failures_are_remembered_briefly_unless_the_thumbprints_change(idp) -> None:  # type: ignore[no-untyped-def]
    tenant = idp.tenant()
    clock = Clock()
    source = KeySource(CountingFetch(), clock)
    kid = tenant.keys[-1].kid
    with pytest.raises(UntrustedCertificate):
        source.key(tenant.issuer, kid, ["0" * 40])
    with pytest.raises(UntrustedCertificate):
        source.key(tenant.issuer, kid, ["0" * 40])
    assert tenant.jwks_fetches == 0
    assert source.key(tenant.issuer, kid, [idp.thumbprint]).key_id == kid
    source.forget()
    clock.now += FAILURE_TTL + 1
    assert source.key(tenant.issuer, kid, [idp.thumbprint]).key_id == kid


def test_a_key_set_must_come_from_an_https_jwks_uri(idp) -> None:  # type: ignore[no-untyped-def]
    def fetch(url: str, thumbprints: Sequence[str]) -> Any:
        return {"jwks_uri": "http://127.0.0.1/jwks"}

    with pytest.raises(FetchError, match="https jwks_uri"):
        KeySource(fetch).key("https://issuer.example", "k", [])

    def not_keys(url: str, thumbprints: Sequence[str]) -> Any:
        if url.endswith("openid-configuration"):
            return {"jwks_uri": "https://issuer.example/jwks"}
        return {"keys": "nope"}

    with pytest.raises(FetchError):
        KeySource(not_keys).key("https://issuer.example", "k", [])


# -- ID tokens ------------------------------------------------------------------------


def test_verification_checks_signature_issuer_and_times(idp) -> None:  # type: ignore[no-untyped-def]
    tenant = idp.tenant()
    key = jwt.PyJWK(tenant.keys[-1].jwk())
    now = time.time()
    token = tenant.token("alice", lifetime=60)
    claims = id_token.verify(token, key, issuer=tenant.issuer, now=now)
    assert claims["sub"] == "alice"
    with pytest.raises(id_token.ExpiredToken):
        id_token.verify(token, key, issuer=tenant.issuer, now=now + 120)
    with pytest.raises(id_token.InvalidToken):
        id_token.verify(token, key, issuer="https://elsewhere.example", now=now)
    later = tenant.token(nbf=int(now) + 300)
    with pytest.raises(id_token.InvalidToken, match="not valid yet"):
        id_token.verify(later, key, issuer=tenant.issuer, now=now)
    other = jwt.PyJWK(new_key().jwk())
    with pytest.raises(id_token.InvalidToken):
        id_token.verify(token, other, issuer=tenant.issuer, now=now)


def test_only_asymmetric_algorithms_are_accepted(idp) -> None:  # type: ignore[no-untyped-def]
    tenant = idp.tenant()
    unsigned = jwt.encode({"iss": tenant.issuer, "sub": "x"}, None, algorithm="none")
    with pytest.raises(id_token.InvalidToken, match="not supported"):
        id_token.peek(unsigned)
    hmac = jwt.encode({"iss": tenant.issuer, "sub": "x"}, "k" * 32, algorithm="HS256")
    with pytest.raises(id_token.InvalidToken, match="not supported"):
        id_token.peek(hmac)
    with pytest.raises(id_token.InvalidToken, match="no issuer"):
        id_token.peek(tenant.token(iss=None))
    # A token whose header names a different algorithm than its key's is refused.
    es = new_key("ES256")
    rs_key = jwt.PyJWK(tenant.keys[-1].jwk())
    token = tenant.token(key=es)
    with pytest.raises(id_token.InvalidToken, match="does not match"):
        id_token.verify(token, rs_key, issuer=tenant.issuer, now=time.time())


def test_audiences_claim_shapes() -> None:
    assert id_token.audiences({"aud": "a"}) == ["a"]
    assert id_token.audiences({"aud": ["a", "b", 3]}) == ["a", "b"]
    assert id_token.audiences({}) == []


def test_keys_fetched_under_one_pin_list_never_serve_another(idp) -> None:  # type: ignore[no-untyped-def]
    tenant = idp.tenant()
    source = KeySource(CountingFetch(), Clock())
    kid = tenant.keys[-1].kid
    assert source.key(tenant.issuer, kid, [idp.thumbprint]).key_id == kid
    # Another IAM provider (another account, say) naming the same issuer with
    # other pins gets its own fetch, and its own verdict.
    with pytest.raises(UntrustedCertificate):
        source.key(tenant.issuer, kid, ["1" * 40])


def test_a_failed_refetch_keeps_the_last_good_keys(idp) -> None:  # type: ignore[no-untyped-def]
    tenant = idp.tenant()
    clock = Clock()
    calls: list[str] = []

    def flaky(url: str, thumbprints: Sequence[str]) -> Any:
        calls.append(url)
        if len(calls) > 2:  # discovery and key set once, then the issuer is down
            raise FetchError("down")
        return get_json(url, thumbprints)

    source = KeySource(flaky, clock)
    kid = tenant.keys[-1].kid
    source.key(tenant.issuer, kid, [idp.thumbprint])
    clock.now += REFETCH_AFTER + 1
    with pytest.raises(KeyNotFound):  # an unknown kid forces a refetch, which fails
        source.key(tenant.issuer, "rotated", [idp.thumbprint])
    assert source.key(tenant.issuer, kid, [idp.thumbprint]).key_id == kid


def test_any_fetch_failure_is_a_fetch_error() -> None:
    def broken(url: str, thumbprints: Sequence[str]) -> Any:
        raise RecursionError("deeply nested JSON")

    with pytest.raises(FetchError):
        KeySource(broken).key("https://issuer.example", "k", [])


def test_a_provider_that_never_answers_is_cut_off(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import threading

    from rolecall.federation import https

    monkeypatch.setattr(https, "DEADLINE", 0.5)
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(4)  # accepts, never speaks: the TLS handshake waits forever
    outcome: list[BaseException] = []

    def fetch() -> None:
        try:
            get_json(f"https://127.0.0.1:{silent.getsockname()[1]}/x", timeout=120)
        except FetchError as exc:
            outcome.append(exc)

    worker = threading.Thread(target=fetch, daemon=True)
    worker.start()
    worker.join(timeout=30)  # far below the 120 s read timeout
    silent.close()
    assert not worker.is_alive()
    assert isinstance(outcome[0], Unreachable)


def test_a_key_published_without_alg_signs_with_any_algorithm_of_its_type() -> None:
    signer = new_key("RS256")
    published = signer.jwk()
    del published["alg"]  # RFC 7517: optional; PyJWT alone would assume RS256

    def fetch(url: str, thumbprints: Sequence[str]) -> Any:
        if url.endswith("openid-configuration"):
            return {"jwks_uri": "https://issuer.example/jwks"}
        return {"keys": [published]}

    source = KeySource(fetch)
    issuer = "https://issuer.example"
    now = time.time()
    token = jwt.encode(
        {"iss": issuer, "sub": "s", "aud": "a", "exp": int(now) + 60},
        signer.private,
        algorithm="RS384",
        headers={"kid": signer.kid},
    )
    key = source.key(issuer, signer.kid, [], "RS384")
    assert id_token.verify(token, key, issuer=issuer, now=now)["sub"] == "s"
    # An EC algorithm never binds to an RSA key.
    assert source.key(issuer, signer.kid, [], "ES384").algorithm_name == "RS256"

    declared = KeySource(
        lambda url, t: fetch(url, t) if "openid" in url else {"keys": [signer.jwk()]}
    )
    pinned_alg = declared.key(issuer, signer.kid, [], "RS384")
    with pytest.raises(id_token.InvalidToken):  # a declared alg is never overridden
        id_token.verify(token, pinned_alg, issuer=issuer, now=now)
