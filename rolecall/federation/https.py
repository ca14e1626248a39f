"""HTTPS GETs to identity providers, trusted the way AWS trusts them.

AWS verifies an OIDC provider's TLS certificate against its library of trusted
root CAs and, only when that fails, against the thumbprints registered with the
IAM provider: the hex SHA-1 of the top certificate of the chain the server
presents.  rolecall does the same with the system trust store (``SSL_CERT_FILE``
is honoured).  A thumbprint pins the certificate it names without weakening TLS:
the chain is read once without verification to find that certificate, then the
request is made over a connection that trusts only it, so the server's chain and
host name are still checked cryptographically.
"""

from __future__ import annotations

import contextlib
import hashlib
import http.client
import json
import socket
import ssl
import threading
from collections.abc import Sequence
from typing import Any
from urllib.parse import urlsplit

#: Largest document an identity provider may answer with.
MAX_BYTES = 1 << 20
#: Seconds to wait for an identity provider (connect, and each read).
TIMEOUT = 5.0
#: Seconds one document may take in all, however slowly the provider trickles it.
DEADLINE = 10.0
_DER = 2  # _ssl.ENCODING_DER


class FetchError(Exception):
    """The identity provider could not be reached, or answered with something unusable."""


class Unreachable(FetchError):
    """No connection to the identity provider (refused, timed out, name unknown)."""


class UntrustedCertificate(FetchError):
    """The provider's TLS certificate is neither CA-signed nor pinned by a thumbprint."""


def thumbprint(der: bytes) -> str:
    """The IAM thumbprint of a DER certificate: lower-case hex SHA-1."""
    return hashlib.sha1(der, usedforsecurity=False).hexdigest()


def get_json(url: str, thumbprints: Sequence[str] = (), *, timeout: float = TIMEOUT) -> Any:
    """GET ``url`` (https only) and parse its JSON body.

    Raises :class:`FetchError` for anything short of a 200 answer carrying JSON.
    """
    parts = urlsplit(url)
    if parts.scheme != "https" or not parts.hostname:
        raise FetchError(f"{url} is not an https URL")
    host = parts.hostname
    try:
        port = parts.port or 443
    except ValueError:
        raise FetchError(f"{url} has an invalid port") from None
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    try:
        body = _get(host, port, target, ssl.create_default_context(), timeout)
    except ssl.SSLCertVerificationError:
        if not thumbprints:
            raise UntrustedCertificate(
                f"the certificate of {host} is not signed by a trusted CA"
            ) from None
        pinned = _pinned_context(host, port, thumbprints, timeout)
        try:
            body = _get(host, port, target, pinned, timeout)
        except ssl.SSLCertVerificationError as exc:
            # The pinned certificate is there, but the chain or host name is wrong.
            raise UntrustedCertificate(
                f"the certificate of {host} does not verify: {exc}"
            ) from None
    try:
        return json.loads(body)
    except (ValueError, RecursionError):
        raise FetchError(f"{url} did not answer with JSON") from None


def _get(host: str, port: int, target: str, context: ssl.SSLContext, timeout: float) -> bytes:
    try:
        raw = socket.create_connection((host, port), timeout=timeout)
    except OSError as exc:
        raise Unreachable(f"https://{host}:{port}{target}: {exc}") from None
    conn = http.client.HTTPSConnection(host, port, context=context, timeout=timeout)
    try:
        with _Deadline(raw.fileno()):
            conn.sock = context.wrap_socket(raw, server_hostname=host)
            conn.request("GET", target, headers={"Accept": "application/json"})
            response = conn.getresponse()
            if response.status != 200:
                raise FetchError(f"https://{host}:{port}{target} answered HTTP {response.status}")
            body = response.read(MAX_BYTES + 1)
    except ssl.SSLCertVerificationError:
        raise
    except http.client.HTTPException as exc:
        raise FetchError(f"https://{host}:{port}{target}: {exc}") from None
    except OSError as exc:
        raise Unreachable(f"https://{host}:{port}{target}: {exc}") from None
    finally:
        conn.close()
        raw.close()
    if len(body) > MAX_BYTES:
        raise FetchError(f"https://{host}:{port}{target} answered more than {MAX_BYTES} bytes")
    return body


class _Deadline:
    """Shuts a socket down if the block takes longer than :data:`DEADLINE`.

    Per-read timeouts do not bound a provider that trickles a byte at a time;
    shutting the socket down ends any read blocked on it.  The socket is named
    by its file descriptor, which the TLS wrapper takes over (the plain socket
    object is detached by it); the flag under the lock makes sure a late timer
    never touches a descriptor that was closed and reused meanwhile.
    """

    def __init__(self, fd: int) -> None:
        self._fd = fd
        self._done = False
        self._lock = threading.Lock()
        self._timer = threading.Timer(DEADLINE, self._shut)
        self._timer.daemon = True

    def __enter__(self) -> None:
        self._timer.start()

    def __exit__(self, *exc: object) -> None:
        with self._lock:
            self._done = True
        self._timer.cancel()

    def _shut(self) -> None:
        with self._lock:
            if self._done:
                return
            sock = socket.socket(fileno=self._fd)
            try:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
            finally:
                sock.detach()


def _pinned_context(
    host: str, port: int, thumbprints: Sequence[str], timeout: float
) -> ssl.SSLContext:
    """A context trusting only the chain's top certificate, if a thumbprint names it."""
    chain = _unverified_chain(host, port, timeout)
    wanted = {t.lower() for t in thumbprints}
    if not chain or thumbprint(chain[-1]) not in wanted:
        raise UntrustedCertificate(
            f"the certificate of {host} is not signed by a trusted CA and its top "
            "certificate matches none of the provider's thumbprints"
        )
    context = ssl.create_default_context(cadata=chain[-1])
    # The pinned certificate may be an intermediate: let it anchor the chain.
    context.verify_flags |= ssl.VERIFY_X509_PARTIAL_CHAIN
    return context


def _unverified_chain(host: str, port: int, timeout: float) -> list[bytes]:
    """The certificates the server presents, leaf first, as DER."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    try:
        raw = socket.create_connection((host, port), timeout=timeout)
    except OSError as exc:
        raise Unreachable(f"https://{host}:{port}: {exc}") from None
    tls: ssl.SSLSocket | None = None
    try:
        # The deadline ends before the socket is closed (see _Deadline).
        with _Deadline(raw.fileno()):
            tls = context.wrap_socket(raw, server_hostname=host)
            # Public from Python 3.13; the same method lives on the SSL object before.
            getter: Any = getattr(tls, "get_unverified_chain", None)
            if getter is None:
                getter = tls._sslobj.get_unverified_chain  # type: ignore[attr-defined]
            certs = getter() or []
    except OSError as exc:
        raise Unreachable(f"https://{host}:{port}: {exc}") from None
    finally:
        if tls is not None:
            tls.close()
        raw.close()
    return [c if isinstance(c, bytes) else c.public_bytes(_DER) for c in certs]
