"""API keys: bearer only, stored hashed, shown once, revocable; and the operator commands around them."""

from __future__ import annotations

import json

from sqlalchemy import select

from portal.models import ApiKey, Creditor, WebhookEndpoint
from tests.api_helpers import api_headers


def test_a_request_without_a_key_is_refused_with_401(client):
    response = client.get("/api/v1/cases")
    assert response.status_code == 401
    assert response.mimetype == "application/problem+json"
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_an_unknown_key_is_refused(client):
    response = client.get("/api/v1/cases", headers=api_headers("betal_sk_" + "x" * 40))
    assert response.status_code == 401


def test_a_key_in_the_query_string_is_refused_even_when_valid(client, api_creditor):
    _, key = api_creditor
    assert client.get(f"/api/v1/cases?api_key={key}").status_code == 400
    assert client.get(f"/api/v1/cases?x={key}", headers=api_headers(key)).status_code == 400


def test_keys_are_stored_only_as_a_hash(db, api_creditor):
    _, key = api_creditor
    stored = db.scalars(select(ApiKey)).one()
    assert key not in (stored.key_hash, stored.prefix) and len(stored.key_hash) == 64
    assert key.startswith(stored.prefix)


def test_creditors_create_prints_id_key_and_webhook_secret(app, runner, client, db):
    app.config["WEBHOOKS_ALLOW_LOOPBACK"] = True
    result = runner.invoke(
        args=["creditors", "create", "--name", "Fjernvarme A/S", "--webhook-url", "http://127.0.0.1:9/h"]
    )
    assert result.exit_code == 0, result.output
    printed = json.loads(result.output)
    assert printed["id"] == db.scalars(select(Creditor.public_id)).one()
    assert printed["webhook_secret"] == db.scalars(select(WebhookEndpoint.secret)).one()
    assert client.get("/api/v1/cases", headers=api_headers(printed["api_key"])).status_code == 200


def test_creditors_create_refuses_an_unsafe_webhook_url(runner):
    result = runner.invoke(args=["creditors", "create", "--name", "X", "--webhook-url", "https://10.0.0.1/h"])
    assert result.exit_code != 0 and "public internet address" in result.output


def test_a_revoked_key_stops_working_at_once(runner, client, api_creditor):
    creditor, key = api_creditor
    assert client.get("/api/v1/cases", headers=api_headers(key)).status_code == 200
    issued = json.loads(runner.invoke(args=["creditors", "create-key", creditor.public_id]).output)
    key_id = issued["id"]
    assert runner.invoke(args=["creditors", "revoke-key", key_id]).exit_code == 0
    assert client.get("/api/v1/cases", headers=api_headers(issued["api_key"])).status_code == 401
    assert client.get("/api/v1/cases", headers=api_headers(key)).status_code == 200


def test_the_openapi_document_needs_no_key(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200 and response.json["openapi"].startswith("3.1")
