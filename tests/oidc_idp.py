"""A real OpenID Connect issuer for tests.

HTTPS on 127.0.0.1 with a certificate from its own CA (the server presents the
chain leaf + CA, so the CA is the "top certificate" IAM thumbprints name),
OpenID Connect discovery, a JSON Web Key Set, and ID tokens signed with
PyJWT.  Each :class:`Tenant` is an issuer of its own (``https://127.0.0.1:PORT/NAME``)
with its own keys, so tests never share an issuer and rolecall's per-issuer key
cache never carries over from one test to another.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import ipaddress
import json
import ssl
import threading
import time
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import jwt
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID
from jwt.algorithms import ECAlgorithm, RSAAlgorithm


def _name(common: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common)])


def make_ca(common: str = "rolecall test CA") -> tuple[rsa.RSAPrivateKey, x509.Certificate]:
    """A self-signed CA certificate and its key."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name(common))
        .issuer_name(_name(common))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    return key, cert


def make_leaf(
    ca_key: rsa.RSAPrivateKey, ca_cert: x509.Certificate
) -> tuple[rsa.RSAPrivateKey, x509.Certificate]:
    """A server certificate for 127.0.0.1 and localhost, signed by the CA."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name("127.0.0.1"))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False
        )
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )
    return key, cert


def der(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.DER)


def pem(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


@dataclass
class SigningKey:
    kid: str
    algorithm: str
    private: Any

    def jwk(self) -> dict[str, Any]:
        public = self.private.public_key()
        codec = RSAAlgorithm if self.algorithm.startswith("RS") else ECAlgorithm
        out: dict[str, Any] = codec.to_jwk(public, as_dict=True)  # type: ignore[attr-defined]
        out.update(kid=self.kid, use="sig", alg=self.algorithm)
        return out


def new_key(algorithm: str = "RS256") -> SigningKey:
    if algorithm.startswith("RS"):
        private: Any = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    else:
        curve = {"ES256": ec.SECP256R1(), "ES384": ec.SECP384R1(), "ES512": ec.SECP521R1()}
        private = ec.generate_private_key(curve[algorithm])
    return SigningKey(uuid.uuid4().hex[:16], algorithm, private)


@dataclass
class Tenant:
    """One issuer served by the IdP."""

    issuer: str
    keys: list[SigningKey] = field(default_factory=list)
    #: how many times its key set was fetched
    jwks_fetches: int = 0

    @property
    def url(self) -> str:
        """The issuer without ``https://``: what IAM calls the provider URL."""
        return self.issuer.removeprefix("https://")

    def rotate(self, algorithm: str = "RS256") -> SigningKey:
        """Publish one more signing key (the newest signs by default)."""
        key = new_key(algorithm)
        self.keys.append(key)
        return key

    def token(
        self,
        sub: str = "user-1",
        aud: str | list[str] | None = "app-client",
        *,
        lifetime: int = 600,
        key: SigningKey | None = None,
        headers: dict[str, Any] | None = None,
        **claims: Any,
    ) -> str:
        """A signed ID token."""
        signer = key or self.keys[-1]
        now = int(time.time())
        payload: dict[str, Any] = {
            "iss": self.issuer,
            "sub": sub,
            "iat": now,
            "exp": now + lifetime,
        }
        if aud is not None:
            payload["aud"] = aud
        payload.update(claims)
        payload = {k: v for k, v in payload.items() if v is not None}  # None: leave it out
        return jwt.encode(
            payload,
            signer.private,
            algorithm=signer.algorithm,
            headers={"kid": signer.kid, **(headers or {})},
        )


class OidcIdp:
    """The HTTPS server and its tenants."""

    def __init__(self, directory: Path) -> None:
        self.ca_key, self.ca_cert = make_ca()
        leaf_key, leaf_cert = make_leaf(self.ca_key, self.ca_cert)
        chain = directory / "idp-chain.pem"
        chain.write_bytes(pem(leaf_cert) + pem(self.ca_cert))
        key_file = directory / "idp-key.pem"
        key_file.write_bytes(
            leaf_key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
        self.ca_file = directory / "idp-ca.pem"
        self.ca_file.write_bytes(pem(self.ca_cert))
        self.tenants: dict[str, Tenant] = {}
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(chain, key_file)
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._httpd.socket = context.wrap_socket(self._httpd.socket, server_side=True)
        self.port = self._httpd.server_address[1]
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)
        self._thread.start()

    @property
    def thumbprint(self) -> str:
        """The IAM thumbprint of the top certificate of the chain the server presents."""
        return hashlib.sha1(der(self.ca_cert)).hexdigest()

    def tenant(self, algorithm: str = "RS256") -> Tenant:
        """A new issuer with one signing key."""
        name = uuid.uuid4().hex[:12]
        tenant = Tenant(f"https://127.0.0.1:{self.port}/{name}")
        tenant.rotate(algorithm)
        self.tenants[name] = tenant
        return tenant

    def close(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()


def _handler(idp: OidcIdp) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            name, _, rest = self.path.lstrip("/").partition("/")
            tenant = idp.tenants.get(name)
            if tenant is None:
                self._send(404, {"error": "no such tenant"})
            elif rest == ".well-known/openid-configuration":
                self._send(
                    200,
                    {
                        "issuer": tenant.issuer,
                        "jwks_uri": f"{tenant.issuer}/jwks",
                        "id_token_signing_alg_values_supported": ["RS256", "ES256"],
                        "response_types_supported": ["id_token"],
                        "subject_types_supported": ["public"],
                    },
                )
            elif rest == "jwks":
                tenant.jwks_fetches += 1
                self._send(200, {"keys": [k.jwk() for k in tenant.keys]})
            else:
                self._send(404, {"error": "not found"})

        def _send(self, status: int, body: dict[str, Any]) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler
