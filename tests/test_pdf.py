"""The PDF overview: real WeasyPrint output, read back, in the debtor's language, cached, fetching nothing."""

from __future__ import annotations

import io
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from pypdf import PdfReader

from portal.models import Payment
from portal.services import documents
from tests.conftest import csrf_from, make_case, make_creditor, open_case

NBSP = "\xa0"


def _text(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    return "\n".join(page.extract_text() for page in reader.pages).replace(NBSP, " ")


def test_pdf_overview_contains_the_danish_amounts(app, client, db):
    case = make_case(db)
    open_case(client, app, case)
    response = client.get("/sag/oversigt.pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF")
    assert "attachment" in response.headers["Content-Disposition"]
    text = _text(response.data)
    assert "Oversigt over din sag hos Testvarme A/S" in text
    assert "1.234,50 kr." in text
    assert "1.000,00 kr." in text and "234,50 kr." in text
    assert "Mette Jensen" in text and "Nørregade 1" in text
    assert "CVR 12345678" in text and "kunde@testvarme.example" in text  # the letterhead
    assert "Beløb at betale" in text
    assert "+71<" in text and "+87654321<" in text


def test_pdf_overview_in_english_for_english_debtor(app, client, db):
    case = make_case(db, locale="en")
    open_case(client, app, case)
    text = _text(client.get("/sag/oversigt.pdf").data)
    assert "Overview of your case with Testvarme A/S" in text
    assert "DKK 1,234.50" in text


def test_pdf_without_fi_number_shows_bank_account(app, client, db):
    creditor = make_creditor(db, fi_creditor_number=None, bank_account="1234 5678901234")
    case = make_case(db, creditor)
    open_case(client, app, case)
    text = _text(client.get("/sag/oversigt.pdf").data)
    assert "+71<" not in text
    assert "1234 5678901234" in text


def test_pdf_is_rendered_once_per_case_state(app, client, db, monkeypatch):
    renders = []
    real_render = documents.render_pdf
    monkeypatch.setattr(documents, "render_pdf", lambda html: renders.append(1) or real_render(html))
    case = make_case(db)
    open_case(client, app, case)
    first = client.get("/sag/oversigt.pdf").data
    second = client.get("/sag/oversigt.pdf").data
    assert first == second and len(renders) == 1
    # A payment changes the state: the next download is rendered afresh and shows it.
    db.add(Payment(case_id=case.id, amount=34500, method="bank_transfer", provider="manual", provider_reference="p1"))
    case.outstanding = 88950
    db.commit()
    third = client.get("/sag/oversigt.pdf").data
    assert len(renders) == 2
    assert "889,50 kr." in _text(third)
    # Each language has its own rendering.
    page = client.get("/sag")
    client.post("/sprog", data={"csrf_token": csrf_from(page.text), "lang": "en", "next": "/sag"})
    assert "DKK 889.50" in _text(client.get("/sag/oversigt.pdf").data)
    assert len(renders) == 3


@pytest.fixture
def canary_server():
    """A local HTTP server that counts every request made to it."""
    hits = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            hits.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", hits
    server.shutdown()


def test_pdf_renderer_fetches_nothing_from_network_or_disk(canary_server, tmp_path):
    base, hits = canary_server
    secret = tmp_path / "secret.css"
    secret.write_text("body { background: red }")
    html = (
        f'<html><head><link rel="stylesheet" href="{base}/style.css"><link rel="stylesheet" href="file://{secret}">'
        f'<style>@import url("{base}/import.css"); body {{ background: url("{base}/bg.png") }}</style></head>'
        f'<body><img src="{base}/img.png"><img src="file:///etc/passwd"><p>Hej</p></body></html>'
    )
    pdf = documents.render_pdf(html)
    assert pdf.startswith(b"%PDF")
    assert hits == []


def test_pdf_renderer_still_draws_inline_data(canary_server):
    pixel = (
        "data:image/png;base64,"
        "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
    )
    pdf = documents.render_pdf(f'<html><body><img src="{pixel}"></body></html>')
    assert b"/Image" in pdf


def test_pdf_needs_a_case_session(client):
    assert client.get("/sag/oversigt.pdf").status_code == 403
