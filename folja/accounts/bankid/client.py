"""A small client for the BankID Relying Party API v6.0 (/auth, /collect, /cancel) over mutual TLS."""

from __future__ import annotations

import functools
import ssl
from dataclasses import dataclass
from typing import Any

import httpx
from django.conf import settings


class BankIDError(Exception):
    """An error answer from BankID (errorCode) or a transport failure (errorCode 'transport')."""

    def __init__(self, error_code: str, status: int = 0) -> None:
        super().__init__(f"BankID error {error_code} (HTTP {status})")
        self.error_code = error_code
        self.status = status


@dataclass(frozen=True)
class Order:
    """The answer to /auth. The qrStartSecret must never reach the browser."""

    order_ref: str
    auto_start_token: str
    qr_start_token: str
    qr_start_secret: str


def ssl_context(*, ca: str, cert: str, key: str) -> ssl.SSLContext:
    """Return one TLS context that trusts only BankID's CA and presents our RP certificate.

    httpx ignores `cert=` when `verify=` is a path, so both go into the one SSLContext.
    """
    context = ssl.create_default_context(ssl.Purpose.SERVER_AUTH, cafile=ca or None)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(certfile=cert, keyfile=key)
    return context


class BankIDClient:
    """Call the RP API; each method returns the decoded JSON or raises BankIDError."""

    def __init__(self, base_url: str, *, context: ssl.SSLContext, timeout: float = 10.0) -> None:
        self._http = httpx.Client(
            base_url=base_url.rstrip("/") + "/",
            verify=context,
            timeout=timeout,
            headers={"Content-Type": "application/json"},
        )

    def _post(self, path: str, payload: dict[str, Any]) -> dict[str, Any]:
        try:
            response = self._http.post(path, json=payload)
        except httpx.HTTPError:
            raise BankIDError("transport") from None
        if response.status_code != 200:
            try:
                code = str(response.json().get("errorCode", "unknown"))
            except ValueError:
                code = "unknown"
            raise BankIDError(code, response.status_code)
        try:
            return response.json()
        except ValueError:
            raise BankIDError("badResponse", response.status_code) from None

    def auth(
        self,
        *,
        end_user_ip: str,
        return_url: str = "",
        referring_domain: str = "",
        user_agent: str = "",
        device_identifier: str = "",
    ) -> Order:
        """Start an authentication order (secure start: no personal number is sent)."""
        payload: dict[str, Any] = {"endUserIp": end_user_ip, "returnRisk": True}
        if return_url:
            payload["returnUrl"] = return_url
        web = {
            "referringDomain": referring_domain,
            "userAgent": user_agent[:256],
            "deviceIdentifier": device_identifier,
        }
        web = {name: value for name, value in web.items() if value}
        if web:
            payload["web"] = web
        data = self._post("auth", payload)
        return Order(
            order_ref=data["orderRef"],
            auto_start_token=data["autoStartToken"],
            qr_start_token=data["qrStartToken"],
            qr_start_secret=data["qrStartSecret"],
        )

    def collect(self, order_ref: str) -> dict[str, Any]:
        """Return the order's state: status pending/failed/complete, hintCode, completionData."""
        return self._post("collect", {"orderRef": order_ref})

    def cancel(self, order_ref: str) -> None:
        """Cancel a pending order."""
        self._post("cancel", {"orderRef": order_ref})

    def close(self) -> None:
        self._http.close()


@functools.lru_cache(maxsize=4)
def _client_for(base_url: str, cert: str, key: str, ca: str) -> BankIDClient:
    return BankIDClient(base_url, context=ssl_context(ca=ca, cert=cert, key=key))


def get_client() -> BankIDClient:
    """Return the process-wide client for the configured service (one SSLContext, pooled connections)."""
    return _client_for(
        settings.FOLJA_BANKID_URL, settings.FOLJA_BANKID_CERT, settings.FOLJA_BANKID_KEY, settings.FOLJA_BANKID_CA
    )
