"""Disputes from the debtor's side: the form, evidence checked by content, on hold, and where files can be fetched."""

from __future__ import annotations

import hashlib
import html
from pathlib import Path

import pytest
from sqlalchemy import select

from portal.models import Case, Dispute, DisputeFile, OutboxMessage, StaffAudit
from portal.services import nudges
from portal.services.evidence import MAX_FILE_BYTES
from tests.answer_helpers import (
    HTML_AS_PDF,
    MINIMAL_PDF,
    POLYGLOT_PDF,
    SVG,
    image_bytes,
    make_dispute_file,
    send_dispute,
)
from tests.conftest import csrf_from, make_case, make_creditor, open_case
from tests.staff_helpers import english_client, login, make_staff

NOT_ACCEPTED = "er ikke en PDF-, JPEG- eller PNG-fil"
TYPED = "Jeg har betalt 500 kr. den 3. november — se kvitteringen. <b>ikke fed</b>"
CHOOSE_AGAIN = "Vælg dine filer igen"


@pytest.fixture(autouse=True)
def upload_dir(app, tmp_path) -> Path:
    """Evidence goes to a folder of the test's own."""
    folder = tmp_path / "uploads"
    app.config["UPLOAD_DIR"] = str(folder)
    return folder


@pytest.fixture
def opened(app, client, db) -> Case:
    """A case whose debtor session is open in the client."""
    case = make_case(db)
    open_case(client, app, case)
    return case


def disputes_of(db, case) -> list[Dispute]:
    db.expire_all()
    return list(db.scalars(select(Dispute).where(Dispute.case_id == case.id)))


def test_a_dispute_with_a_pdf_puts_the_case_on_hold_and_tells_the_creditor(client, db, opened, upload_dir):
    response = send_dispute(client, text=TYPED, files=[("kvittering.pdf", MINIMAL_PDF)])
    assert response.status_code == 303 and response.headers["Location"] == "/sag/indsigelse/sendt"
    confirmation = client.get("/sag/indsigelse/sendt").text
    assert "Din indsigelse er sendt" in confirmation and "påmindelser" in confirmation
    [dispute] = disputes_of(db, opened)
    assert (dispute.status, dispute.reason, dispute.text) == ("open", "wrong_amount", TYPED)
    [stored] = db.scalars(select(DisputeFile)).all()
    assert (stored.filename, stored.content_type, stored.size) == (
        "kvittering.pdf",
        "application/pdf",
        len(MINIMAL_PDF),
    )
    assert stored.sha256 == hashlib.sha256(MINIMAL_PDF).hexdigest()
    assert [p.name for p in upload_dir.iterdir()] == [stored.stored_name] and "kvittering" not in stored.stored_name
    assert (upload_dir / stored.stored_name).read_bytes() == MINIMAL_PDF
    case = db.get(Case, opened.id)
    assert nudges.blocked_reason(case, dispute.created_at) == "dispute"
    [message] = db.scalars(select(OutboxMessage).where(OutboxMessage.type == "dispute.opened")).all()
    assert message.payload["data"]["dispute"]["files"][0]["id"] == stored.public_id
    page = client.get("/sag").text
    assert "Indsigelse: bliver undersøgt" in page


def test_the_case_page_offers_only_what_the_policy_allows(app, client, db):
    case = make_case(db, make_creditor(db, policy={"promises_allowed": False}))
    open_case(client, app, case)
    page = client.get("/sag").text
    assert 'href="/sag/indsigelse"' in page and 'href="/sag/betalt"' in page and 'href="/sag/betaler"' not in page
    assert client.get("/sag/betaler").status_code == 404


@pytest.mark.parametrize(
    ("name", "body", "reason"),
    [
        ("faktura.pdf", HTML_AS_PDF, NOT_ACCEPTED),
        ("tegning.svg", SVG, NOT_ACCEPTED),
        ("polyglot.pdf", POLYGLOT_PDF, NOT_ACCEPTED),
        ("billede.jpg", image_bytes("JPEG") + b"<html><script>alert(1)</script>", NOT_ACCEPTED),
        ("halv.png", image_bytes("PNG")[:60], NOT_ACCEPTED),
        ("stor.pdf", MINIMAL_PDF + b"0" * MAX_FILE_BYTES, "er større end 5 MB"),
        ("../../etc/passwd.pdf", MINIMAL_PDF, "må ikke indeholde linjeskift, skråstreger eller mappenavne"),
        ("..\\..\\windows\\kvittering.pdf", MINIMAL_PDF, "må ikke indeholde linjeskift, skråstreger eller mappenavne"),
    ],
    ids=["html-named-pdf", "svg", "pdf-html-polyglot", "jpeg-html-polyglot", "broken-png", "oversize", "traversal",
         "backslash-traversal"],
)  # fmt: skip
def test_a_hostile_or_unfit_file_is_refused_in_danish_and_the_text_is_kept(client, db, opened, upload_dir, name, body,
                                                                             reason):  # fmt: skip
    response = send_dispute(client, text=TYPED, files=[(name, body)])
    assert response.status_code == 422
    page = html.unescape(response.text)
    assert reason in page and CHOOSE_AGAIN in page
    assert TYPED in page and 'value="wrong_amount" checked' in response.text
    assert disputes_of(db, opened) == [] and not upload_dir.exists()


def test_a_file_name_with_a_line_break_is_refused(client, db, opened, upload_dir):
    # Browsers escape line breaks; a crafted request can still send them through RFC 2231 (filename*=).
    token = csrf_from(client.get("/sag/indsigelse").text)
    parts = [
        ("csrf_token", None, token.encode()), ("reason", None, b"wrong_amount"), ("text", None, TYPED.encode()),
        ("files", "UTF-8''kvittering%0D%0AContent-Type%3A%20text%2Fhtml.pdf", MINIMAL_PDF),
    ]  # fmt: skip
    body = b""
    for name, filename, value in parts:
        disposition = f'form-data; name="{name}"' + (f"; filename*={filename}" if filename else "")
        body += f"--XYZ\r\nContent-Disposition: {disposition}\r\n\r\n".encode() + value + b"\r\n"
    body += b"--XYZ--\r\n"
    response = client.post("/sag/indsigelse", data=body, content_type="multipart/form-data; boundary=XYZ")
    assert response.status_code == 422
    page = html.unescape(response.text)
    assert "må ikke indeholde linjeskift" in page and TYPED in page and CHOOSE_AGAIN in page
    assert disputes_of(db, opened) == [] and not upload_dir.exists()


def test_more_than_three_files_are_refused(client, db, opened):
    files = [(f"bilag{n}.pdf", MINIMAL_PDF) for n in range(4)]
    response = send_dispute(client, text=TYPED, files=files)
    assert response.status_code == 422
    assert "Vælg højst 3 filer" in html.unescape(response.text) and TYPED in html.unescape(response.text)
    assert disputes_of(db, opened) == []


def test_three_valid_files_of_each_kind_are_stored(client, db, opened):
    files = [("a.pdf", MINIMAL_PDF), ("b.jpg", image_bytes("JPEG")), ("c.png", image_bytes("PNG"))]
    assert send_dispute(client, files=files).status_code == 303
    types = [f.content_type for f in db.scalars(select(DisputeFile).order_by(DisputeFile.id))]
    assert types == ["application/pdf", "image/jpeg", "image/png"]


def test_a_body_larger_than_the_limit_gets_the_friendly_page(app, client, opened):
    app.config["MAX_CONTENT_LENGTH"] = 1024
    response = send_dispute(client, files=[("stor.pdf", MINIMAL_PDF + b"0" * 4096)])
    assert response.status_code == 413
    assert "Filen er for stor" in response.text and "Traceback" not in response.text


def test_reason_other_needs_words_and_errors_point_at_their_fields(client, db, opened):
    response = send_dispute(client, reason="other", text="")
    assert response.status_code == 422
    assert 'aria-describedby="text-hint text-error"' in response.text and 'aria-invalid="true"' in response.text
    response = send_dispute(client, reason="", text=TYPED)
    assert "Vælg, hvorfor du er uenig" in html.unescape(response.text) and TYPED in html.unescape(response.text)
    assert disputes_of(db, opened) == []


def test_a_second_dispute_while_one_is_open_is_refused(client, db, opened):
    assert send_dispute(client).status_code == 303
    assert client.get("/sag/indsigelse").headers["Location"] == "/sag/indsigelse/sendt"
    assert len(disputes_of(db, opened)) == 1


def test_no_debtor_session_reaches_an_evidence_file(app, client, db, opened):
    send_dispute(client, files=[("kvittering.pdf", MINIMAL_PDF)])
    stored = db.scalars(select(DisputeFile)).one()
    paths = [
        f"/api/v1/cases/{opened.public_id}/dispute/files/{stored.public_id}",
        f"/staff/cases/{opened.public_id}/dispute-files/{stored.public_id}",
    ]
    for path in paths:
        response = client.get(path)
        assert response.status_code in (401, 302), (path, response.status_code)
        assert MINIMAL_PDF not in response.data
    other = make_case(db, external_id="T-0002")
    other_client = app.test_client()
    open_case(other_client, app, other)
    for path in paths:
        assert MINIMAL_PDF not in other_client.get(path).data


def test_staff_download_the_evidence_as_an_audited_attachment(app, db, opened):
    file_id = make_dispute_file(app, db, opened)
    staff = english_client(app)
    login(staff, make_staff(db, "agent@betal.example"))
    assert f"/dispute-files/{file_id}" in staff.get(f"/staff/cases/{opened.public_id}").text
    response = staff.get(f"/staff/cases/{opened.public_id}/dispute-files/{file_id}")
    assert response.status_code == 200 and response.data == MINIMAL_PDF
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    actions = set(db.scalars(select(StaffAudit.action)))
    assert "dispute_file.downloaded" in actions
