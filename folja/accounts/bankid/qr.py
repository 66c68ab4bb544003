"""Animated QR data for BankID secure start: a new code every second, computed on the server."""

from __future__ import annotations

import hashlib
import hmac

import segno


def qr_data(qr_start_token: str, qr_start_secret: str, seconds: int) -> str:
    """Return the QR content for `seconds` since the order started (BankID RP API v6.0).

    qrAuthCode = HMAC-SHA256(key=qrStartSecret, message=str(seconds)), hex; the secret itself
    stays on the server, so a QR code photographed from the screen is useless a second later.
    """
    code = hmac.new(qr_start_secret.encode(), str(seconds).encode(), hashlib.sha256).hexdigest()
    return f"bankid.{qr_start_token}.{seconds}.{code}"


def qr_svg(data: str) -> str:
    """Return the QR code as an inline SVG (no JavaScript needed to show it)."""
    return segno.make(data, error="l", micro=False).svg_inline(scale=5, border=2, dark="#000", light="#fff")
