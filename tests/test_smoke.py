"""Smoke: a debtor opens a link and sees the case."""

from tests.conftest import make_case, open_case


def test_link_to_case_page(app, client, db):
    case = make_case(db)
    response = open_case(client, app, case)
    assert response.status_code == 303
    assert response.headers["Location"] == "/sag"
    page = client.get("/sag")
    assert page.status_code == 200
    assert "1.234,50\xa0kr." in page.text
