"""The creditor API's cases: create one or a batch, read, list, cancel, adjust, new links, events."""

from __future__ import annotations

from sqlalchemy import func, select

from portal.models import Case, OutboxMessage
from portal.services import intake
from tests.api_helpers import api_headers, case_body
from tests.conftest import csrf_from


def post(client, key, path, body=None, **headers):
    """POST JSON to the API with the key."""
    return client.post(f"/api/v1{path}", json=body, headers=api_headers(key, **headers))


def get(client, key, path, **params):
    """GET from the API with the key."""
    return client.get(f"/api/v1{path}", query_string=params, headers=api_headers(key))


def test_creating_a_case_answers_the_case_with_a_link_that_opens_it(app, client, api_creditor):
    _, key = api_creditor
    response = post(client, key, "/cases", case_body())
    assert response.status_code == 201
    case = response.json
    assert case["id"].startswith("cas_") and case["external_id"] == "F-2026-0001"
    assert (case["status"], case["outstanding"], case["currency"]) == ("open", 133450, "DKK")
    assert case["debtor"]["phone"] == "+4522334455"
    assert case["invoices"][0]["lines"] == [{"description": "Varme oktober", "amount": 123450}]
    path = case["link"]["url"].removeprefix(app.config["BASE_URL"])
    debtor = app.test_client()
    landing = debtor.get(path)
    assert landing.status_code == 200
    opened = debtor.post(path, data={"csrf_token": csrf_from(landing.text)}, follow_redirects=True)
    assert "1.334,50" in opened.text


def test_a_created_case_queues_one_case_created_webhook(client, api_creditor, db):
    _, key = api_creditor
    case = post(client, key, "/cases", case_body()).json
    message = db.scalars(select(OutboxMessage)).one()
    assert message.type == "case.created" and message.payload["data"]["case"]["id"] == case["id"]
    [event] = get(client, key, "/events").json["data"]
    assert event["id"] == message.public_id


def test_bad_input_is_a_problem_naming_each_field(client, api_creditor):
    _, key = api_creditor
    body = case_body()
    body["debtor"]["email"] = "not-an-email"
    body["invoices"][0]["amount"] = -5
    body["invoices"][0]["issued_on"] = "yesterday"
    response = post(client, key, "/cases", body)
    assert response.status_code == 422 and response.mimetype == "application/problem+json"
    fields = {e["field"] for e in response.json["errors"]}
    assert {"invoices[0].amount", "invoices[0].issued_on"} <= fields


def test_rules_of_the_domain_name_their_field(client, api_creditor):
    _, key = api_creditor
    body = case_body()
    body["debtor"]["email"] = "not-an-email"
    assert post(client, key, "/cases", body).json["errors"] == [
        {"field": "debtor.email", "message": "Type a valid e-mail address."}
    ]
    body = case_body()
    body["invoices"][0]["lines"][0]["amount"] = 1
    assert post(client, key, "/cases", body).json["errors"][0]["field"] == "invoices[0].lines"


def test_a_duplicate_external_id_is_a_conflict(client, api_creditor):
    _, key = api_creditor
    post(client, key, "/cases", case_body())
    response = post(client, key, "/cases", case_body())
    assert response.status_code == 409
    assert response.json["errors"][0]["field"] == "external_id"


def test_a_batch_reports_each_case_and_creates_the_good_ones(client, api_creditor, db):
    _, key = api_creditor
    bad = case_body("B-2")
    bad["invoices"] = []
    cases = [case_body("B-1"), bad, case_body("B-1"), case_body("B-3")]
    response = post(client, key, "/cases/batch", {"cases": cases})
    assert response.status_code == 200
    assert (response.json["created"], response.json["failed"]) == (2, 2)
    assert [r["status"] for r in response.json["results"]] == [201, 422, 409, 201]
    assert response.json["results"][1]["problem"]["errors"][0]["field"] == "invoices"
    assert db.scalar(select(func.count()).select_from(Case)) == 2


def test_a_batch_takes_at_most_a_thousand_cases(client, api_creditor):
    _, key = api_creditor
    response = post(client, key, "/cases/batch", {"cases": [case_body(f"B-{n}") for n in range(1001)]})
    assert response.status_code == 422


def test_listing_filters_by_reference_and_status_and_pages_with_a_cursor(client, api_creditor):
    _, key = api_creditor
    ids = [post(client, key, "/cases", case_body(f"L-{n}")).json["id"] for n in range(5)]
    post(client, key, f"/cases/{ids[1]}/cancel")
    first = get(client, key, "/cases", limit=2).json
    assert [c["id"] for c in first["data"]] == ids[:2] and first["has_more"]
    second = get(client, key, "/cases", limit=2, cursor=first["next_cursor"]).json
    assert [c["id"] for c in second["data"]] == ids[2:4]
    assert [c["id"] for c in get(client, key, "/cases", external_id="L-3").json["data"]] == [ids[3]]
    assert [c["id"] for c in get(client, key, "/cases", status="cancelled").json["data"]] == [ids[1]]
    assert get(client, key, "/cases", cursor="cas_unknown").status_code == 422


def test_cancelling_closes_the_case_once(client, api_creditor):
    _, key = api_creditor
    case = post(client, key, "/cases", case_body()).json
    response = post(client, key, f"/cases/{case['id']}/cancel", {"reason": "paid by bank transfer"})
    assert response.json["status"] == "cancelled"
    assert post(client, key, f"/cases/{case['id']}/cancel").status_code == 409
    types = [e["type"] for e in get(client, key, f"/cases/{case['id']}/events").json["data"]]
    assert types == ["case.created", "case.cancelled"]


def test_adjustments_lower_what_is_owed_until_the_case_is_paid(client, api_creditor):
    _, key = api_creditor
    case = post(client, key, "/cases", case_body()).json
    first = post(
        client, key, f"/cases/{case['id']}/adjustments", {"kind": "payment", "amount": 33450, "reference": "bank"}
    )
    assert first.status_code == 201 and first.json["case"]["outstanding"] == 100000
    too_much = post(client, key, f"/cases/{case['id']}/adjustments", {"kind": "credit", "amount": 100001})
    assert too_much.status_code == 422 and too_much.json["errors"][0]["field"] == "amount"
    last = post(client, key, f"/cases/{case['id']}/adjustments", {"kind": "credit", "amount": 100000})
    assert last.json["case"]["status"] == "paid" and last.json["case"]["outstanding"] == 0
    assert get(client, key, f"/cases/{case['id']}").json["status"] == "paid"


def test_a_new_link_revokes_the_old_one(app, client, api_creditor):
    _, key = api_creditor
    case = post(client, key, "/cases", case_body()).json
    old = case["link"]["url"].removeprefix(app.config["BASE_URL"])
    new = post(client, key, f"/cases/{case['id']}/links").json
    assert new["version"] == 2
    assert client.get(old).status_code == 410
    assert client.get(new["url"].removeprefix(app.config["BASE_URL"])).status_code == 200


def test_events_since_a_cursor(client, api_creditor):
    _, key = api_creditor
    case = post(client, key, "/cases", case_body()).json
    first = get(client, key, "/events").json
    assert [e["type"] for e in first["data"]] == ["case.created"]
    assert get(client, key, "/events", cursor=first["next_cursor"]).json["data"] == []
    post(client, key, f"/cases/{case['id']}/cancel")
    later = get(client, key, "/events", cursor=first["next_cursor"]).json
    assert [(e["type"], e["case"]) for e in later["data"]] == [("case.cancelled", case["id"])]
    filtered = client.get("/api/v1/events?type=case.cancelled&type=case.paid", headers=api_headers(key)).json
    assert [e["type"] for e in filtered["data"]] == ["case.cancelled"]


def test_policy_overrides_are_kept_on_the_case(client, api_creditor):
    _, key = api_creditor
    body = case_body(policy={"payment_methods": ["card"], "partial_payment_minimum": 20000})
    case = post(client, key, "/cases", body).json
    assert get(client, key, f"/cases/{case['id']}").json["policy"] == body["policy"]
    assert post(client, key, "/cases", case_body("P-2", policy={"unknown": 1})).status_code == 422


def test_a_duplicate_slipping_past_the_check_is_a_conflict_not_an_error(app, client, api_creditor, monkeypatch):
    """Two requests racing with one external id: the database's unique key answers 409."""
    _, key = api_creditor
    post(client, key, "/cases", case_body())
    monkeypatch.setattr(intake, "_existing", lambda *_args: set())
    response = post(client, key, "/cases", case_body())
    assert response.status_code == 409 and response.mimetype == "application/problem+json"
