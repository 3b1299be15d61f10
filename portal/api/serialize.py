"""Turning cases, events, endpoints and deliveries (models or plain records) into the API's JSON shapes."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from flask import current_app

from portal.services import answer_state, links, plan_progress


def _time(value: datetime | None) -> str | None:
    """An aware datetime as ISO 8601."""
    return value.isoformat() if value is not None else None


def link(case) -> dict[str, Any]:
    """The case's current one-click link."""
    config = current_app.config
    signer = current_app.extensions.get("api_link_signer")
    if signer is None:
        signer = links.make_signer(config["SECRET_KEY"], config["SECRET_KEY_FALLBACKS"])
        current_app.extensions["api_link_signer"] = signer
    return {"url": links.link_url(config["BASE_URL"], signer, case), "version": case.link_version}


def case_summary(case) -> dict[str, Any]:
    """A case without details."""
    return {
        "id": case.public_id,
        "external_id": case.external_id,
        "status": case.status,
        "outstanding": case.outstanding,
        "currency": case.currency,
        "created_at": _time(case.created_at),
        "closed_at": _time(case.closed_at),
        "link": link(case),
    }


def _day(value: date) -> str:
    """A date as ISO 8601."""
    return value.isoformat()


def case(case, answers: dict[str, Any] | None = None, plan=None) -> dict[str, Any]:
    """A case with its debtor, invoices (with lines), fees, policy overrides, newest plan and the debtor's answers."""
    debtor = case.debtor
    full = case_summary(case) | {
        "debtor": {
            "id": debtor.public_id,
            "name": debtor.name,
            "kind": debtor.kind,
            "email": debtor.email,
            "phone": debtor.phone,
            "locale": debtor.locale,
            "customer_number": debtor.customer_number,
            "company_cvr": debtor.company_cvr,
            "address": {"street": debtor.street, "postcode": debtor.postcode, "city": debtor.city},
        },
        "invoices": [
            {
                "number": invoice.number,
                "issued_on": _day(invoice.issued_on),
                "due_on": _day(invoice.due_on),
                "amount": invoice.amount,
                "lines": [{"description": line.description, "amount": line.amount} for line in invoice.lines],
            }
            for invoice in case.invoices
        ],
        "fees": [{"kind": fee.kind, "amount": fee.amount, "description": fee.description} for fee in case.fees],
        "policy": case.policy,
        "payment_plan": plan_progress.summary(plan) if plan is not None else None,
    }
    return full | (answers or answer_state.empty(case))


def plan_decision(plan, case) -> dict[str, Any]:
    """A payment plan after a decision, with its case."""
    return {"payment_plan": plan_progress.summary(plan), "case": case_summary(case)}


def event(event, case_public_id: str | None) -> dict[str, Any]:
    """A timeline event."""
    return {
        "id": event.public_id,
        "type": event.type,
        "created_at": _time(event.created_at),
        "case": case_public_id,
        "actor": event.actor,
        "data": event.data or {},
    }


def adjustment(adjustment, case) -> dict[str, Any]:
    """An adjustment and the case after it."""
    return {
        "id": adjustment.public_id,
        "kind": adjustment.kind,
        "amount": adjustment.amount,
        "reference": adjustment.reference,
        "note": adjustment.note,
        "created_at": _time(adjustment.created_at),
        "case": case_summary(case),
    }


def endpoint(endpoint, *, with_secret: bool = False) -> dict[str, Any]:
    """A webhook endpoint; its secret only right after it was made or rotated."""
    body = {
        "id": endpoint.public_id,
        "url": endpoint.url,
        "events": list(endpoint.events or []),
        "description": endpoint.description,
        "status": endpoint.status,
        "disabled_reason": endpoint.disabled_reason,
        "created_at": _time(endpoint.created_at),
        "secret_rotated_until": _time(endpoint.previous_secret_expires_at),
    }
    if with_secret:
        body["secret"] = endpoint.secret
    return body


def attempt(attempt) -> dict[str, Any]:
    """One HTTP attempt."""
    return {
        "number": attempt.number,
        "started_at": _time(attempt.started_at),
        "succeeded": attempt.succeeded,
        "status_code": attempt.status_code,
        "latency_ms": attempt.latency_ms,
        "error": attempt.error,
        "response_body": attempt.response_body,
    }


def delivery(delivery, endpoint_public_id: str, event_id: str, event_type: str, attempts) -> dict[str, Any]:
    """A delivery with its attempts."""
    return {
        "id": delivery.public_id,
        "endpoint": endpoint_public_id,
        "event_id": event_id,
        "event_type": event_type,
        "status": delivery.status,
        "attempts": [attempt(a) for a in attempts],
        "next_attempt_at": _time(delivery.next_attempt_at),
        "delivered_at": _time(delivery.delivered_at),
        "created_at": _time(delivery.created_at),
    }
