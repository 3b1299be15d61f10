"""Security baseline: headers on every kind of response, CSRF, friendly errors without tracebacks."""

from __future__ import annotations

import pytest

from portal import create_app
from portal.config import ProductionConfig
from tests.conftest import dispose, make_case, open_case, token_for

BASELINE = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
}


def _responses(app, client, db):
    """One response of every type the portal sends."""
    case = make_case(db)
    token = token_for(app, case)
    landing = client.get(f"/l/{token}")
    open_case(client, app, case)
    return {
        "landing": landing,
        "case page": client.get("/sag"),
        "pdf": client.get("/sag/oversigt.pdf"),
        "redirect": open_case(client, app, case),
        "link error": client.get("/l/not-a-token"),
        "not found": client.get("/no-such-page"),
        "method not allowed": client.delete("/sag"),
        "csrf failure": client.post("/sprog", data={}),
        "health json": client.get("/healthz"),
        "static": client.get("/static/css/portal.css"),
        "accessibility": client.get("/tilgaengelighed"),
    }


def test_every_response_type_carries_the_security_headers(app, client, db):
    for name, response in _responses(app, client, db).items():
        for header, value in BASELINE.items():
            assert response.headers.get(header) == value, (name, header)
        csp = response.headers["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in csp, name
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp, name
        assert response.headers["Referrer-Policy"] in ("same-origin", "no-referrer"), name
        if name != "static":
            assert response.headers["Cache-Control"] == "no-store", name
            assert "noindex" in response.headers["X-Robots-Tag"], name
        assert "Strict-Transport-Security" not in response.headers  # only in production


def test_token_pages_send_no_referrer_at_all(app, client, db):
    case = make_case(db)
    assert client.get(f"/l/{token_for(app, case)}").headers["Referrer-Policy"] == "no-referrer"
    assert client.get("/tilgaengelighed").headers["Referrer-Policy"] == "same-origin"


def test_production_adds_hsts_and_secure_cookies(monkeypatch, database_url, db):
    monkeypatch.setenv("PORTAL_SECRET_KEY", "x" * 40)
    monkeypatch.setenv("PORTAL_DATABASE_URL", database_url)
    monkeypatch.setenv("PORTAL_BASE_URL", "https://betal.kreditor.dk")
    monkeypatch.setenv("PORTAL_ALLOW_DEMO_PROVIDER", "true")
    app = create_app(ProductionConfig())
    try:
        case = make_case(db)
        client = app.test_client()
        page = client.get(f"/l/{token_for(app, case)}")
        assert page.headers["Strict-Transport-Security"].startswith("max-age=")
        assert "Secure" in page.headers["Set-Cookie"] and "HttpOnly" in page.headers["Set-Cookie"]
        assert "SameSite=Lax" in page.headers["Set-Cookie"]
    finally:
        dispose(app)


def test_every_form_post_needs_a_csrf_token(app, client, db):
    case = make_case(db)
    open_case(client, app, case)
    for path in (f"/l/{token_for(app, case)}", "/sprog", "/sag/afslut"):
        response = client.post(path, data={"lang": "en"})
        assert response.status_code == 400, path
        assert "Siden var udløbet" in response.text
    assert client.get("/sag").status_code == 200  # the session was not ended without a token


def test_unexpected_error_shows_friendly_page_without_traceback(app, client):
    app.config["PROPAGATE_EXCEPTIONS"] = False

    @app.get("/boom")
    def boom():
        raise RuntimeError("secret internals")

    response = client.get("/boom")
    assert response.status_code == 500
    assert "Der gik noget galt hos os" in response.text
    assert "secret internals" not in response.text and "Traceback" not in response.text
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_api_errors_are_problem_json(client):
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"
    assert response.json["status"] == 404


@pytest.mark.parametrize("path", ["/sag", "/sag/oversigt.pdf"])
def test_debtor_pages_are_never_cached(app, client, db, path):
    case = make_case(db)
    open_case(client, app, case)
    assert client.get(path).headers["Cache-Control"] == "no-store"
