"""A local push service for tests: checks the VAPID signature (RFC 8292) and decrypts the payload (RFC 8291).

It plays both the push service and the browser: it holds the browser's key pair and auth secret
(what a real browser gives in its subscription), accepts POSTs on 127.0.0.1, verifies the JWT in
`Authorization: vapid t=…, k=…` against the key in it (and that key against the one expected),
and decrypts the `aes128gcm` body. Written from the RFCs with `cryptography` alone, so that it
checks pywebpush rather than reuses it.
"""

from __future__ import annotations

import base64
import json
import os
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from cryptography.hazmat.primitives import hashes, hmac, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDFExpand


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _hkdf_extract(salt: bytes, ikm: bytes) -> bytes:
    """HKDF-Extract (RFC 5869): HMAC-SHA-256 keyed with the salt."""
    h = hmac.HMAC(salt, hashes.SHA256())
    h.update(ikm)
    return h.finalize()


def _hkdf_expand(prk: bytes, info: bytes, length: int) -> bytes:
    return HKDFExpand(algorithm=hashes.SHA256(), length=length, info=info).derive(prk)


class PushEndpoint:
    """A push endpoint on 127.0.0.1 with one browser subscription; `received` holds the decrypted messages."""

    def __init__(self, *, status: int = 201) -> None:
        self.status = status
        self.private_key = ec.generate_private_key(ec.SECP256R1())
        self.public_raw = self.private_key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        self.auth_secret = os.urandom(16)
        self.received: list[dict] = []
        self.errors: list[str] = []
        self.expected_vapid_key: str | None = None
        endpoint = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                try:
                    endpoint.check(self.headers, body, f"http://{self.headers['Host']}")
                except Exception as exc:
                    endpoint.errors.append(f"{type(exc).__name__}: {exc}")
                    self.send_response(400)
                else:
                    self.send_response(endpoint.status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> PushEndpoint:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/push/device-1"

    @property
    def subscription(self) -> dict[str, str]:
        return {"endpoint": self.url, "p256dh": b64url(self.public_raw), "auth": b64url(self.auth_secret)}

    # --- RFC 8292: VAPID -------------------------------------------------------------------------

    def check(self, headers, body: bytes, origin: str) -> None:  # noqa: ANN001
        scheme, _, params = headers["Authorization"].partition(" ")
        assert scheme.lower() == "vapid", scheme
        fields = dict(part.strip().split("=", 1) for part in params.split(","))
        token, key = fields["t"], fields["k"]
        if self.expected_vapid_key is not None:
            assert key == self.expected_vapid_key, "not the server's VAPID key"
        header_b64, payload_b64, signature_b64 = token.split(".")
        header = json.loads(b64url_decode(header_b64))
        claims = json.loads(b64url_decode(payload_b64))
        assert header["alg"] == "ES256", header
        public = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), b64url_decode(key))
        raw = b64url_decode(signature_b64)
        signature = encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big"))
        public.verify(signature, f"{header_b64}.{payload_b64}".encode(), ec.ECDSA(hashes.SHA256()))  # raises
        assert claims["aud"] == origin, claims
        assert time.time() < claims["exp"] <= time.time() + 24 * 3600, claims
        assert claims["sub"].startswith(("mailto:", "https:")), claims
        assert headers["Content-Encoding"] == "aes128gcm"
        assert int(headers["TTL"]) >= 0
        self.received.append(json.loads(self.decrypt(body)))

    # --- RFC 8291 / RFC 8188: aes128gcm --------------------------------------------------------

    def decrypt(self, body: bytes) -> bytes:
        salt, record_size, id_length = body[:16], int.from_bytes(body[16:20], "big"), body[20]
        server_public_raw = body[21 : 21 + id_length]
        ciphertext = body[21 + id_length :]
        assert len(ciphertext) <= record_size
        server_public = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), server_public_raw)
        shared = self.private_key.exchange(ec.ECDH(), server_public)
        prk_key = _hkdf_extract(self.auth_secret, shared)
        ikm = _hkdf_expand(prk_key, b"WebPush: info\x00" + self.public_raw + server_public_raw, 32)
        prk = _hkdf_extract(salt, ikm)
        cek = _hkdf_expand(prk, b"Content-Encoding: aes128gcm\x00", 16)
        nonce = _hkdf_expand(prk, b"Content-Encoding: nonce\x00", 12)
        padded = AESGCM(cek).decrypt(nonce, ciphertext, None)
        plain = padded.rstrip(b"\x00")
        assert plain.endswith(b"\x02"), "the last record ends with the delimiter 0x02"
        return plain[:-1]
