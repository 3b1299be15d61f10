"""Liveness: /healthz reflects whether the database answers."""

from __future__ import annotations

from portal import create_app
from portal.config import TestConfig as PortalTestConfig


def test_healthz_answers_when_the_database_does(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "database": "ok"}


def test_healthz_fails_when_the_database_is_down():
    app = create_app(PortalTestConfig(), {"DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none"})
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.json["database"] == "down"
