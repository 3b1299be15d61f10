"""Webhook endpoint views: register, list, read, delete, rotate the secret, test; deliveries and retries."""

from __future__ import annotations

from flask import current_app, g

from portal.api import schemas, serialize
from portal.api.blueprint import bp
from portal.api.respond import parse_body, parse_query, public_id, reply, show
from portal.db import get_session
from portal.services import deliveries, delivery_log, webhook_endpoints


@bp.post("/webhook-endpoints")
def create_endpoint():
    """Register an endpoint; its secret is in this answer only."""
    data = parse_body(schemas.EndpointIn)
    endpoint = webhook_endpoints.create(
        get_session(), g.creditor.id, url=data.url, events=data.events, description=data.description,
        allow_loopback=current_app.config["WEBHOOKS_ALLOW_LOOPBACK"],
    )  # fmt: skip
    return reply(serialize.endpoint(endpoint, with_secret=True), 201)


@bp.get("/webhook-endpoints")
def list_endpoints():
    """Every endpoint of the creditor."""
    endpoints = webhook_endpoints.list_for(get_session(), g.creditor.id)
    return show({"data": [serialize.endpoint(e) for e in endpoints]})


@bp.get("/webhook-endpoints/<endpoint_id>")
def get_endpoint(endpoint_id: str):
    """One endpoint (without its secret)."""
    endpoint = webhook_endpoints.find(get_session(), g.creditor.id, public_id(endpoint_id))
    return show(serialize.endpoint(endpoint))


@bp.delete("/webhook-endpoints/<endpoint_id>")
def delete_endpoint(endpoint_id: str):
    """Delete an endpoint; what it still had waiting is cancelled."""
    endpoint = webhook_endpoints.find(get_session(), g.creditor.id, public_id(endpoint_id))
    webhook_endpoints.stop(get_session(), endpoint, status="deleted")
    get_session().commit()
    return "", 204


@bp.post("/webhook-endpoints/<endpoint_id>/rotate-secret")
def rotate_secret(endpoint_id: str):
    """A new secret; the old one keeps signing for 24 hours."""
    parse_body(schemas.Empty)
    endpoint = webhook_endpoints.find(get_session(), g.creditor.id, public_id(endpoint_id))
    endpoint = webhook_endpoints.rotate_secret(get_session(), endpoint)
    return reply(serialize.endpoint(endpoint, with_secret=True))


@bp.post("/webhook-endpoints/<endpoint_id>/test")
def test_endpoint(endpoint_id: str):
    """Queue a webhook.test delivery to this endpoint."""
    parse_body(schemas.Empty)
    endpoint = webhook_endpoints.find(get_session(), g.creditor.id, public_id(endpoint_id))
    delivery = webhook_endpoints.send_test(get_session(), endpoint)
    return reply(serialize.delivery(delivery, *delivery_log.details(get_session(), delivery)), 202)


@bp.get("/webhook-endpoints/<endpoint_id>/deliveries")
def list_deliveries(endpoint_id: str):
    """An endpoint's deliveries with every attempt, oldest first."""
    query = parse_query(schemas.PageQuery)
    endpoint = webhook_endpoints.find(get_session(), g.creditor.id, public_id(endpoint_id))
    page = delivery_log.list_for_endpoint(get_session(), endpoint, cursor=query.cursor, limit=query.limit)
    attempts = delivery_log.attempts_of(get_session(), [d.id for d, _, _ in page.items])
    data = [serialize.delivery(d, endpoint.public_id, eid, etype, attempts[d.id]) for d, eid, etype in page.items]
    return show({"data": data, "has_more": page.has_more, "next_cursor": page.next_cursor})


@bp.post("/deliveries/<delivery_id>/retry")
def retry_delivery(delivery_id: str):
    """Send a delivery again as soon as a worker is free."""
    parse_body(schemas.Empty)
    delivery = deliveries.find(get_session(), g.creditor.id, public_id(delivery_id))
    delivery = deliveries.retry(get_session(), delivery)
    return reply(serialize.delivery(delivery, *delivery_log.details(get_session(), delivery)), 202)
