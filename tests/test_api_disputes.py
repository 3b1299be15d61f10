"""The creditor's side of the debtor's answers: resolve a dispute, fetch its evidence, read every answer."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from portal.models import Case, OutboxMessage
from tests.answer_helpers import MINIMAL_PDF, post_page, send_dispute
from tests.api_helpers import api_headers, case_body, make_api_creditor
from tests.conftest import open_case


@pytest.fixture
def disputed(app, client, db, tmp_path):
    """A creditor's case (created through the API) whose debtor disputed it with a PDF in this client."""
    app.config["UPLOAD_DIR"] = str(tmp_path)
    _, key = make_api_creditor(db)
    body = client.post("/api/v1/cases", json=case_body(), headers=api_headers(key)).json
    case = db.scalars(select(Case).where(Case.public_id == body["id"])).one()
    open_case(client, app, case)
    assert (
        send_dispute(client, reason="already_paid", text="Betalt 3/11", files=[("bilag.pdf", MINIMAL_PDF)]).status_code
        == 303
    )
    return {"key": key, "id": body["id"], "case": case}


def resolve(client, disputed, outcome: str, message: str = "Vi har fundet din betaling. Tak."):
    return client.post(f"/api/v1/cases/{disputed['id']}/dispute/resolve", json={"outcome": outcome, "message": message},
                       headers=api_headers(disputed["key"]))  # fmt: skip


def get_case(client, disputed) -> dict:
    return client.get(f"/api/v1/cases/{disputed['id']}", headers=api_headers(disputed["key"])).json


def test_the_case_shows_the_open_dispute_and_its_file(client, disputed):
    case = get_case(client, disputed)
    dispute = case["dispute"]
    assert (dispute["status"], dispute["reason"], dispute["text"]) == ("open", "already_paid", "Betalt 3/11")
    assert dispute["files"][0]["filename"] == "bilag.pdf" and dispute["files"][0]["size"] == len(MINIMAL_PDF)
    assert case["nudges"]["paused_reason"] == "dispute"


def test_the_creditor_downloads_the_evidence_as_an_attachment(client, disputed):
    file_id = get_case(client, disputed)["dispute"]["files"][0]["id"]
    response = client.get(
        f"/api/v1/cases/{disputed['id']}/dispute/files/{file_id}", headers=api_headers(disputed["key"])
    )
    assert response.status_code == 200 and response.data == MINIMAL_PDF
    assert response.headers["Content-Type"] == "application/pdf"
    assert response.headers["Content-Disposition"].startswith('attachment; filename="bilag.pdf"')
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response.headers["Content-Security-Policy"]


def test_rejecting_resumes_nudges_and_the_debtor_reads_the_message(client, db, disputed):
    response = resolve(client, disputed, "rejected", "Vi kan ikke finde din betaling.")
    assert response.status_code == 200, response.json
    assert (response.json["status"], response.json["outcome"]) == ("resolved", "rejected")
    assert get_case(client, disputed)["nudges"] == {"paused_reason": None, "paused_until": None}
    message = db.scalars(select(OutboxMessage).where(OutboxMessage.type == "dispute.resolved")).one()
    assert message.payload["data"]["dispute"]["message"] == "Vi kan ikke finde din betaling."
    page = client.get("/sag").text
    assert "fastholder kravet" in page and "Vi kan ikke finde din betaling." in page


def test_accepting_keeps_the_case_on_hold(client, disputed):
    assert resolve(client, disputed, "accepted").status_code == 200
    assert get_case(client, disputed)["nudges"]["paused_reason"] == "dispute"
    assert "er enig i din indsigelse" in client.get("/sag/indsigelse/sendt").text


def test_resolving_twice_or_without_a_dispute_is_a_conflict(client, disputed):
    assert resolve(client, disputed, "adjusted").status_code == 200
    again = resolve(client, disputed, "rejected")
    assert again.status_code == 409 and again.headers["Content-Type"] == "application/problem+json"


def test_a_bad_outcome_or_an_empty_message_names_the_field(client, disputed):
    response = resolve(client, disputed, "maybe")
    assert response.status_code == 422 and response.json["errors"][0]["field"] == "outcome"
    response = resolve(client, disputed, "rejected", "  ")
    assert response.status_code == 422 and response.json["errors"][0]["field"] == "message"


def test_every_answer_shows_in_the_case(client, disputed):
    post_page(client, "/sag/ring-op", {"phone": "22 33 44 55", "window": "morning"})
    case = get_case(client, disputed)
    assert case["callback"]["phone"] == "+4522334455" and case["callback"]["window"] == "morning"
    assert case["promise"] is None and case["already_paid"] is None
