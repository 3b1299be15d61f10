"""Tenant isolation: creditor A's key on creditor B's cases, events, endpoints and deliveries gets nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from portal.models import Case, Event, WebhookDelivery
from tests.answer_helpers import make_dispute_file
from tests.api_helpers import api_headers, case_body, make_api_creditor

# Routes that only ever act on the caller's own data, whatever is sent (checked separately below).
OWN_SCOPE = {"api.create_case", "api.create_cases", "api.create_endpoint", "api.openapi_document"}


@pytest.fixture
def tenants(app, client, db, receiver, worker, tmp_path):
    """Creditors A and B, each with a case, an endpoint and a delivered webhook; B's ids."""
    app.config["WEBHOOKS_ALLOW_LOOPBACK"] = True
    ids = {}
    for name in ("A", "B"):
        creditor, key = make_api_creditor(db, f"Kreditor {name}")
        case = client.post("/api/v1/cases", json=case_body(f"{name}-1"), headers=api_headers(key)).json
        endpoint = client.post(
            "/api/v1/webhook-endpoints", json={"url": receiver.url(f"/{name}")}, headers=api_headers(key)
        ).json
        ids[name] = {"key": key, "case": case["id"], "endpoint": endpoint["id"], "secret": endpoint["secret"],
                     "creditor_id": creditor.id}  # fmt: skip
    app.config["UPLOAD_DIR"] = str(tmp_path)
    for name in ("A", "B"):
        case = db.scalars(select(Case).where(Case.public_id == ids[name]["case"])).one()
        ids[name]["file"] = make_dispute_file(app, db, case)
    b_key = api_headers(ids["B"]["key"])
    client.put("/api/v1/flow", json={"steps": [{"day": 3, "channel": "handover"}], "sms_sender": "KreditorB"},
               headers=b_key)  # fmt: skip
    client.put("/api/v1/templates/sms/da/reminder_1", json={"text": "B-only wording {{ link }}"}, headers=b_key)
    client.post(f"/api/v1/cases/{ids['B']['case']}/cancel", headers=api_headers(ids["B"]["key"]))
    worker.run_once()
    b = ids["B"]
    b["delivery"] = db.scalars(
        select(WebhookDelivery.public_id).where(WebhookDelivery.creditor_id == b["creditor_id"])
    ).first()
    b["event"] = db.scalars(select(Event.public_id).where(Event.creditor_id == b["creditor_id"])).first()
    return ids


def matrix(b: dict) -> dict[str, list[tuple[str, str, dict | None, dict | None]]]:
    """For every API route: requests aimed at B's data (method, path, query, body)."""
    case, endpoint, delivery = b["case"], b["endpoint"], b["delivery"]
    return {
        "api.get_case": [("GET", f"/cases/{case}", None, None)],
        "api.list_cases": [("GET", "/cases", None, None), ("GET", "/cases", {"external_id": "B-1"}, None),
                           ("GET", "/cases", {"cursor": case}, None)],
        "api.cancel_case": [("POST", f"/cases/{case}/cancel", None, {})],
        "api.adjust_case": [("POST", f"/cases/{case}/adjustments", None, {"kind": "credit", "amount": 1})],
        "api.reissue_link": [("POST", f"/cases/{case}/links", None, {})],
        "api.approve_plan": [("POST", f"/cases/{case}/payment-plan/approve", None, {"message": "x"})],
        "api.reject_plan": [("POST", f"/cases/{case}/payment-plan/reject", None, {})],
        "api.resolve_dispute": [("POST", f"/cases/{case}/dispute/resolve", None,
                                 {"outcome": "rejected", "message": "Kravet står ved magt."})],
        "api.dispute_file": [("GET", f"/cases/{case}/dispute/files/{b['file']}", None, None)],
        "api.list_case_events": [("GET", f"/cases/{case}/events", None, None)],
        "api.list_events": [("GET", "/events", None, None), ("GET", "/events", {"cursor": b["event"]}, None)],
        "api.list_endpoints": [("GET", "/webhook-endpoints", None, None)],
        "api.get_endpoint": [("GET", f"/webhook-endpoints/{endpoint}", None, None)],
        "api.delete_endpoint": [("DELETE", f"/webhook-endpoints/{endpoint}", None, None)],
        "api.rotate_secret": [("POST", f"/webhook-endpoints/{endpoint}/rotate-secret", None, {})],
        "api.test_endpoint": [("POST", f"/webhook-endpoints/{endpoint}/test", None, {})],
        "api.list_deliveries": [("GET", f"/webhook-endpoints/{endpoint}/deliveries", None, None)],
        "api.retry_delivery": [("POST", f"/deliveries/{delivery}/retry", None, {})],
        # The flow and templates have no ids: each key reads and writes its own creditor's only.
        "api.get_flow": [("GET", "/flow", None, None)],
        "api.put_flow": [("PUT", "/flow", None, {"steps": [{"day": 2, "channel": "handover"}]})],
        "api.list_templates": [("GET", "/templates", None, None)],
        "api.get_template": [("GET", "/templates/sms/da/reminder_1", None, None)],
        "api.put_template": [("PUT", "/templates/sms/da/reminder_1", None, {"text": "A wording {{ link }}"})],
        "api.delete_template": [("DELETE", "/templates/sms/da/reminder_1", None, None)],
    }  # fmt: skip


def test_the_matrix_covers_every_api_route(app, tenants):
    routes = {rule.endpoint for rule in app.url_map.iter_rules() if rule.endpoint.startswith("api.")}
    assert set(matrix(tenants["B"])) | OWN_SCOPE == routes


def test_a_creditor_never_reaches_another_creditors_data(client, tenants):
    a, b = tenants["A"], tenants["B"]
    secrets_of_b = [
        b["case"],
        b["endpoint"],
        b["secret"],
        b["delivery"],
        b["event"],
        b["file"],
        "B-1",
        "KreditorB",
        "B-only",
    ]
    for endpoint, requests in matrix(b).items():
        for method, path, query, body in requests:
            response = client.open(
                f"/api/v1{path}", method=method, query_string=query, json=body, headers=api_headers(a["key"])
            )
            assert response.status_code in (200, 204, 404, 422), (endpoint, path, response.status_code)
            if response.status_code == 200:
                data = response.json.get("data", [])
                assert all(item.get("id") not in secrets_of_b for item in data), (endpoint, path)
            assert not any(s in response.get_data(as_text=True) for s in secrets_of_b), (endpoint, path)


def test_another_creditors_data_is_unchanged_afterwards(client, tenants):
    a, b = tenants["A"], tenants["B"]
    for requests in matrix(b).values():
        for method, path, query, body in requests:
            client.open(f"/api/v1{path}", method=method, query_string=query, json=body, headers=api_headers(a["key"]))
    case = client.get(f"/api/v1/cases/{b['case']}", headers=api_headers(b["key"])).json
    assert (case["status"], case["link"]["version"]) == ("cancelled", 1)
    assert case["dispute"]["status"] == "open" and case["dispute"]["message"] is None
    endpoint = client.get(f"/api/v1/webhook-endpoints/{b['endpoint']}", headers=api_headers(b["key"])).json
    assert endpoint["status"] == "active" and endpoint["secret_rotated_until"] is None
    flow = client.get("/api/v1/flow", headers=api_headers(b["key"])).json
    assert (flow["sms_sender"], flow["steps"][0]["day"]) == ("KreditorB", 3)
    template = client.get("/api/v1/templates/sms/da/reminder_1", headers=api_headers(b["key"])).json
    assert template["text"] == "B-only wording {{ link }}"


def test_creating_acts_only_on_the_callers_own_data(client, tenants):
    a, b = tenants["A"], tenants["B"]
    assert client.post("/api/v1/cases", json=case_body("B-1"), headers=api_headers(a["key"])).status_code == 201
    b_cases = client.get("/api/v1/cases", headers=api_headers(b["key"])).json["data"]
    assert [c["id"] for c in b_cases] == [b["case"]]


def test_a_creditor_cannot_fetch_another_creditors_file_through_its_own_case(client, tenants):
    a, b = tenants["A"], tenants["B"]
    response = client.get(f"/api/v1/cases/{a['case']}/dispute/files/{b['file']}", headers=api_headers(a["key"]))
    assert response.status_code == 404 and b["file"] not in response.text
