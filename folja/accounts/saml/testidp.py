"""A pysaml2 identity provider on 127.0.0.1 for the staff SSO tests and local development. Never in production.

It serves its metadata at `/metadata`, takes signed AuthnRequests by HTTP-Redirect at `/sso`
(verifying the SP's signature against the SP metadata it was given) and answers with the
auto-posting form a real IdP returns. The user's part — who signs in, and any deliberate fault a
test wants (unsigned, unencrypted, wrong audience or InResponseTo, IdP-initiated) — is a POST to
`/sso/<uid>` with a JSON body, standing in for the login page.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import secrets
import shutil
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from saml2 import BINDING_HTTP_REDIRECT
from saml2.config import IdPConfig
from saml2.metadata import entity_descriptor
from saml2.saml import NAME_FORMAT_URI, NAMEID_FORMAT_TRANSIENT, NameID
from saml2.server import Server


@dataclass(frozen=True)
class KeyPair:
    """Paths of a PEM certificate and its private key."""

    cert: Path
    key: Path


def generate_keypair(directory: Path, name: str) -> KeyPair:
    """Write a self-signed RSA 2048 certificate (SAML signing and encryption need RSA) and its key."""
    directory.mkdir(parents=True, exist_ok=True)
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=30))
        .sign(key, hashes.SHA256())
    )
    pair = KeyPair(cert=directory / f"{name}.pem", key=directory / f"{name}-key.pem")
    pair.cert.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    pair.key.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    pair.key.chmod(0o600)
    return pair


class TestIdP:
    """A SAML 2 IdP (pysaml2 `Server`) serving HTTP on 127.0.0.1 in a daemon thread."""

    __test__ = False  # not a pytest test class

    def __init__(self, keys: KeyPair) -> None:
        self.keys = keys
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self.httpd.idp = self  # type: ignore[attr-defined]
        self.base_url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.entity_id = f"{self.base_url}/metadata"
        self.sp_metadata: list[str] = []
        self.pending: dict[str, Any] = {}
        self.requests_seen: list[Any] = []
        self._server: Server | None = None
        self._thread: threading.Thread | None = None

    def _config(self) -> IdPConfig:
        conf = IdPConfig()
        conf.load(
            {
                "entityid": self.entity_id,
                "xmlsec_binary": shutil.which("xmlsec1"),
                "key_file": str(self.keys.key),
                "cert_file": str(self.keys.cert),
                "metadata": {"inline": list(self.sp_metadata)},
                "accepted_time_diff": 60,
                "service": {
                    "idp": {
                        "endpoints": {"single_sign_on_service": [(f"{self.base_url}/sso", BINDING_HTTP_REDIRECT)]},
                        "want_authn_requests_signed": True,
                        "name_id_format": [NAMEID_FORMAT_TRANSIENT],
                        "policy": {
                            "default": {
                                "lifetime": {"minutes": 5},
                                "attribute_restrictions": None,
                                "name_form": NAME_FORMAT_URI,
                            }
                        },
                    }
                },
            }
        )
        return conf

    def trust_sp(self, metadata_xml: str) -> None:
        """Add an SP's metadata (its ACS and certificates); the IdP answers only SPs it knows."""
        self.sp_metadata.append(metadata_xml)
        self._server = Server(config=self._config())

    @property
    def server(self) -> Server:
        """Return the pysaml2 server (built without SPs until `trust_sp` is called)."""
        if self._server is None:
            self._server = Server(config=self._config())
        return self._server

    def metadata(self) -> str:
        """Return the IdP's metadata XML."""
        return str(entity_descriptor(self._config()))

    def start(self) -> TestIdP:
        """Serve HTTP in a daemon thread; return self."""
        self._thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving."""
        self.httpd.shutdown()
        self.httpd.server_close()

    def receive(self, query: dict[str, str]) -> str:
        """Verify and remember an AuthnRequest sent by HTTP-Redirect; return its interaction uid."""
        if not query.get("Signature"):  # want_authn_requests_signed: pysaml2 then verifies it
            raise ValueError("unsigned AuthnRequest")
        parsed = self.server.parse_authn_request(
            query["SAMLRequest"],
            BINDING_HTTP_REDIRECT,
            relay_state=query.get("RelayState"),
            sigalg=query.get("SigAlg"),
            signature=query.get("Signature"),
        )
        message = parsed.message
        uid = secrets.token_urlsafe(8)
        self.requests_seen.append(message)
        self.pending[uid] = {
            "id": message.id,
            "sp": message.issuer.text,
            "acs": message.assertion_consumer_service_url,
            "relay_state": query.get("RelayState", ""),
        }
        return uid

    def respond(self, uid: str | None, form: dict[str, Any]) -> dict[str, str]:
        """Sign the user in and return the ACS URL and SAMLResponse (base64), with the faults the form asks for.

        `uid` None makes an IdP-initiated (unsolicited) response to `form["sp"]` at `form["acs"]`.
        """
        pending = self.pending.pop(uid) if uid else {"id": None, "sp": form["sp"], "acs": form["acs"]}
        if form.get("audience") and form["audience"] != pending["sp"]:
            self._impersonate_sp(form["audience"], like=pending["sp"])
        attributes = {name: [value] if isinstance(value, str) else value for name, value in form["attributes"].items()}
        response = self.server.create_authn_response(
            identity=attributes,
            in_response_to=form.get("in_response_to", pending["id"]),
            destination=form.get("destination", pending["acs"]),
            sp_entity_id=form.get("audience", pending["sp"]),
            name_id=NameID(format=NAMEID_FORMAT_TRANSIENT, text=secrets.token_hex(16)),
            authn={"class_ref": form.get("loa", "http://id.elegnamnden.se/loa/1.0/loa3"), "authn_auth": self.entity_id},
            sign_response=form.get("sign_response", False),
            sign_assertion=form.get("sign_assertion", True),
            encrypt_assertion=form.get("encrypt_assertion", True),
            encrypt_cert_assertion=self._sp_encryption_cert(pending["sp"])
            if form.get("encrypt_assertion", True)
            else None,
        )
        return {"acs": pending["acs"], "SAMLResponse": base64.b64encode(str(response).encode()).decode()}

    def _impersonate_sp(self, entity_id: str, *, like: str) -> None:
        """Know another SP with the same keys and ACS, so an assertion can be made out to a wrong audience."""
        template = next(xml for xml in self.sp_metadata if f'entityID="{like}"' in xml)
        if not any(f'entityID="{entity_id}"' in xml for xml in self.sp_metadata):
            self.trust_sp(template.replace(f'entityID="{like}"', f'entityID="{entity_id}"'))

    def _sp_encryption_cert(self, sp_entity_id: str) -> str | None:
        certs = self.server.metadata.certs(sp_entity_id, "spsso", "encryption")
        if not certs:
            return None
        body = certs[0][1] if isinstance(certs[0], tuple) else certs[0]
        return f"-----BEGIN CERTIFICATE-----\n{body}\n-----END CERTIFICATE-----\n"


class _Handler(BaseHTTPRequestHandler):
    server: ThreadingHTTPServer

    def log_message(self, format: str, *args: Any) -> None:  # keep test output quiet
        return

    def _send(self, status: int, body: str, content_type: str = "application/json") -> None:
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        idp: TestIdP = self.server.idp  # type: ignore[attr-defined]
        url = urlparse(self.path)
        if url.path == "/metadata":
            self._send(200, idp.metadata(), "application/samlmetadata+xml")
            return
        if url.path == "/sso":
            query = {key: values[0] for key, values in parse_qs(url.query).items()}
            try:
                uid = idp.receive(query)
            except Exception as exc:
                self._send(400, json.dumps({"error": type(exc).__name__, "detail": str(exc)[:200]}))
                return
            self._send(200, json.dumps({"uid": uid}))
            return
        self._send(404, "{}")

    def do_POST(self) -> None:
        idp: TestIdP = self.server.idp  # type: ignore[attr-defined]
        url = urlparse(self.path)
        length = int(self.headers.get("Content-Length", "0"))
        form = json.loads(self.rfile.read(length) or b"{}")
        uid = url.path.removeprefix("/sso/") if url.path.startswith("/sso/") else None
        if url.path != "/idp-initiated" and uid is None:
            self._send(404, "{}")
            return
        try:
            answer = idp.respond(uid, form)
        except Exception as exc:
            self._send(400, json.dumps({"error": type(exc).__name__, "detail": str(exc)[:200]}))
            return
        self._send(200, json.dumps(answer))
