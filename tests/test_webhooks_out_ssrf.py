"""The SSRF guard: webhook URLs must be https to public addresses, at registration and at send time."""

from __future__ import annotations

import pytest
from sqlalchemy import select, update

from portal.config import ConfigError, load_config
from portal.models import WebhookAttempt, WebhookEndpoint
from portal.services import netguard
from tests.api_helpers import api_headers, case_body

REFUSED = [
    "https://127.0.0.1/hook",
    "https://169.254.169.254/latest/meta-data",
    "https://[::1]/hook",
    "https://10.0.0.8/hook",
    "https://172.16.5.4/hook",
    "https://192.168.1.10/hook",
    "https://100.64.0.1/hook",
    "https://0.0.0.0/hook",
    "https://[::ffff:127.0.0.1]/hook",
    "https://[fd00::1]/hook",
    "https://[fe80::1]/hook",
    "https://localhost/hook",
    "file:///etc/passwd",
    "http://93.184.216.34/hook",
    "ftp://93.184.216.34/hook",
    "https://user:pw@93.184.216.34/hook",
    "not a url",
]


def fake_dns(table: dict[str, list[str]]):
    """A resolver answering from a table (the one seam to DNS)."""

    def resolve(host: str, _port: int) -> list[str]:
        if host in table:
            return table[host]
        return netguard.resolve(host, _port)

    return resolve


@pytest.mark.parametrize("url", REFUSED)
def test_registration_refuses_unsafe_urls(client, api_creditor, url):
    _, key = api_creditor
    response = client.post("/api/v1/webhook-endpoints", json={"url": url}, headers=api_headers(key))
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    assert response.json["errors"][0]["field"] == "url"


def test_a_name_resolving_to_a_private_address_is_refused(monkeypatch, client, api_creditor):
    _, key = api_creditor
    monkeypatch.setattr(netguard, "resolve", fake_dns({"hooks.creditor.example": ["93.184.216.34", "10.1.2.3"]}))
    response = client.post(
        "/api/v1/webhook-endpoints", json={"url": "https://hooks.creditor.example/x"}, headers=api_headers(key)
    )
    assert response.status_code == 422
    assert "10.1.2.3" in response.json["errors"][0]["message"]


def test_a_public_https_url_is_accepted(monkeypatch, client, api_creditor):
    _, key = api_creditor
    monkeypatch.setattr(netguard, "resolve", fake_dns({"hooks.creditor.example": ["93.184.216.34"]}))
    response = client.post(
        "/api/v1/webhook-endpoints", json={"url": "https://hooks.creditor.example/x"}, headers=api_headers(key)
    )
    assert response.status_code == 201


def test_loopback_needs_the_development_setting(app, client, api_creditor):
    _, key = api_creditor
    body = {"url": "http://127.0.0.1:9/hook"}
    assert client.post("/api/v1/webhook-endpoints", json=body, headers=api_headers(key)).status_code == 422
    app.config["WEBHOOKS_ALLOW_LOOPBACK"] = True
    assert client.post("/api/v1/webhook-endpoints", json=body, headers=api_headers(key)).status_code == 201
    private = {"url": "http://10.0.0.8/hook"}
    assert client.post("/api/v1/webhook-endpoints", json=private, headers=api_headers(key)).status_code == 422


def test_the_worker_checks_again_at_send_time(monkeypatch, app, client, api_creditor, receiver, worker, db):
    """A name that resolved to a public address at registration but points inside later is not called."""
    _, key = api_creditor
    client.post("/api/v1/webhook-endpoints", json={"url": receiver.url()}, headers=api_headers(key))
    db.execute(update(WebhookEndpoint).values(url=receiver.url().replace("127.0.0.1", "rebound.example")))
    db.commit()
    monkeypatch.setattr(netguard, "resolve", fake_dns({"rebound.example": ["10.0.0.8"]}))
    client.post("/api/v1/cases", json=case_body(), headers=api_headers(key))
    worker.run_once()
    assert receiver.received == []
    attempt = db.scalars(select(WebhookAttempt)).one()
    assert attempt.status_code is None and "10.0.0.8" in attempt.error


def test_the_worker_refuses_loopback_once_the_setting_is_off(app, client, api_creditor, receiver, worker, db):
    _, key = api_creditor
    client.post("/api/v1/webhook-endpoints", json={"url": receiver.url()}, headers=api_headers(key))
    worker.sender.close()
    worker.sender = type(worker.sender)(allow_loopback=False)
    client.post("/api/v1/cases", json=case_body(), headers=api_headers(key))
    worker.run_once()
    assert receiver.received == []
    assert "https" in db.scalars(select(WebhookAttempt.error)).one()


def test_production_refuses_to_allow_loopback_webhooks(monkeypatch):
    for name, value in {
        "PORTAL_ENV": "production",
        "PORTAL_SECRET_KEY": "k" * 40,
        "PORTAL_DATABASE_URL": "postgresql://portal@db/portal",
        "PORTAL_BASE_URL": "https://betal.kreditor.dk",
        "PORTAL_PAYMENT_PROVIDER": "demo",
        "PORTAL_ALLOW_DEMO_PROVIDER": "true",
        "PORTAL_WEBHOOKS_ALLOW_LOOPBACK": "1",
    }.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError, match="PORTAL_WEBHOOKS_ALLOW_LOOPBACK"):
        load_config()
