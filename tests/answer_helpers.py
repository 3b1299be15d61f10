"""Builders for the debtor-answer tests: real PDF, JPEG and PNG bytes, hostile files, and form posts."""

from __future__ import annotations

import io

from PIL import Image

from portal.models import utcnow
from portal.services import disputes, evidence
from tests.conftest import csrf_from

MINIMAL_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)
HTML_AS_PDF = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"
SVG = (
    b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><rect width="9" height="9"/></svg>'
)
POLYGLOT_PDF = MINIMAL_PDF.replace(b"trailer", b"<html><script>alert(1)</script></html>\ntrailer")


def image_bytes(image_format: str, size: tuple[int, int] = (40, 30)) -> bytes:
    """A small real image in the format (JPEG or PNG)."""
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 40, 40)).save(buffer, format=image_format)
    return buffer.getvalue()


def post_page(client, path: str, data: dict, **kwargs):
    """Load a debtor form page for its CSRF token, then post the form to the same path."""
    page = client.get(path)
    assert page.status_code == 200, (path, page.status_code)
    return client.post(path, data={"csrf_token": csrf_from(page.text), **data}, **kwargs)


def send_dispute(client, *, reason: str = "wrong_amount", text: str = "Beløbet passer ikke.", files=()):
    """Post the dispute form with (name, bytes) files."""
    data = {"reason": reason, "text": text, "files": [(io.BytesIO(body), name) for name, body in files]}
    return post_page(client, "/sag/indsigelse", data, content_type="multipart/form-data")


def make_dispute_file(app, db, case, body: bytes = MINIMAL_PDF) -> str:
    """Open a dispute on the case with one PDF (through the services); return the file's public id."""
    files = evidence.check([evidence.Upload("kvittering.pdf", body)])
    store = evidence.FileStore(app.config["UPLOAD_DIR"])
    dispute = disputes.open_dispute(db, case, reason="wrong_amount", text="Forkert", files=files, store=store,
                                    now=utcnow())  # fmt: skip
    db.commit()
    return disputes.files_of(db, dispute)[0].public_id
