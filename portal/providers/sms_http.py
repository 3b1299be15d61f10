"""SMS through an HTTP gateway: one JSON POST per message with the API key as a bearer token.

The request (documented in README.md): `POST <PORTAL_SMS_URL without the key>` with
`Authorization: Bearer <key>`, `Idempotency-Key: <message id>` and the body
`{"to": "+4522334455", "from": "Testvarme", "text": "…", "reference": "msg_…", "callback_url": "…"}`.
2xx accepts (`{"id": "…"}`, optional); 400/404/422 refuse the number for good; 408, 429, 5xx, a timeout
or no connection are tried again later with the same Idempotency-Key, so the gateway sends it once.
"""

from __future__ import annotations

import ipaddress
from urllib.parse import unquote, urlsplit, urlunsplit

import httpx

from portal.providers.messages import PermanentFailure, Sms, TemporaryFailure

RETRYABLE = {408, 409, 425, 429}


class GatewayUrlRefused(ValueError):
    """PORTAL_SMS_URL is not an https URL (or an http one to loopback where that is allowed)."""


def _loopback(host: str) -> bool:
    """Whether a host is a loopback name or address."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class HttpSmsProvider:
    """The JSON-over-HTTPS gateway adapter."""

    name = "http"

    def __init__(self, url: str, *, timeout: float = 10.0, allow_loopback: bool = False) -> None:
        parts = urlsplit(url)
        host = parts.hostname or ""
        if parts.scheme != "https" and not (parts.scheme == "http" and allow_loopback and _loopback(host)):
            raise GatewayUrlRefused("PORTAL_SMS_URL must be https (plain http only to loopback in development)")
        self.api_key = unquote(parts.username or "")
        netloc = host if parts.port is None else f"{host}:{parts.port}"
        self.endpoint = urlunsplit((parts.scheme, netloc, parts.path or "/", parts.query, ""))
        self.client = httpx.Client(timeout=timeout, follow_redirects=False)

    def send(self, sms: Sms) -> str:
        """POST the message; the gateway's id, or a failure saying whether to try again."""
        body = {"to": sms.to, "from": sms.sender, "text": sms.text, "reference": sms.reference}
        if sms.callback_url:
            body["callback_url"] = sms.callback_url
        headers = {"Authorization": f"Bearer {self.api_key}", "Idempotency-Key": sms.reference}
        try:
            response = self.client.post(self.endpoint, json=body, headers=headers)
        except httpx.TimeoutException as error:
            raise TemporaryFailure("gateway timeout") from error
        except httpx.HTTPError as error:
            raise TemporaryFailure(f"gateway unreachable: {type(error).__name__}") from error
        if response.is_success:
            try:
                return str(response.json().get("id") or sms.reference)
            except ValueError:
                return sms.reference
        reason = f"gateway answered {response.status_code}: {response.text[:200]}"
        if response.status_code >= 500 or response.status_code in RETRYABLE or 300 <= response.status_code < 400:
            raise TemporaryFailure(reason)
        raise PermanentFailure(reason)

    def close(self) -> None:
        """Release the pooled connections."""
        self.client.close()
