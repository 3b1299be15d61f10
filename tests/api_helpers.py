"""Fixtures and builders for the creditor API, outbound webhook and worker tests."""

from __future__ import annotations

import copy
from collections.abc import Iterator

import pytest
from flask import Flask

from portal.models import Creditor
from portal.services import api_keys
from portal.services.worker import Worker
from tests.webhook_receiver import Receiver

CASE_BODY = {
    "external_id": "F-2026-0001",
    "currency": "DKK",
    "debtor": {
        "name": "Mette Jensen",
        "email": "mette@example.dk",
        "phone": "+4522334455",
        "locale": "da",
        "customer_number": "100234",
        "address": {"street": "Nørregade 1", "postcode": "8000", "city": "Aarhus C"},
    },
    "invoices": [
        {
            "number": "F-1001",
            "issued_on": "2026-10-01",
            "due_on": "2026-10-15",
            "amount": 123450,
            "lines": [{"description": "Varme oktober", "amount": 123450}],
        }
    ],
    "fees": [{"kind": "reminder_fee", "amount": 10000, "description": "Rykkergebyr"}],
}


def case_body(external_id: str = "F-2026-0001", **overrides) -> dict:
    """The DESIGN example case, with another external id or fields."""
    body = copy.deepcopy(CASE_BODY)
    body["external_id"] = external_id
    body.update(overrides)
    return body


def api_headers(key: str, **extra: str) -> dict[str, str]:
    """Authorization (and any other) headers for an API call."""
    return {"Authorization": f"Bearer {key}", **extra}


def make_api_creditor(db, name: str = "Testvarme A/S") -> tuple[Creditor, str]:
    """A committed creditor and a live API key for it."""
    creditor = Creditor(name=name)
    db.add(creditor)
    db.flush()
    _, key = api_keys.issue(db, creditor)
    db.commit()
    return creditor, key


@pytest.fixture
def api_creditor(db) -> tuple[Creditor, str]:
    """A creditor with an API key."""
    return make_api_creditor(db)


@pytest.fixture
def receiver(app: Flask) -> Iterator[Receiver]:
    """A local webhook receiver; the app may call loopback URLs while it runs."""
    app.config["WEBHOOKS_ALLOW_LOOPBACK"] = True
    server = Receiver()
    yield server
    server.close()


@pytest.fixture
def worker(app: Flask, receiver: Receiver) -> Iterator[Worker]:
    """A worker of the test app (loopback allowed, small batches)."""
    app.config["WORKER_BATCH_SIZE"] = 50
    with app.app_context():
        running = Worker(app)
    yield running
    running.close()
