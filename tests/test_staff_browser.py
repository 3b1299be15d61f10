"""Staff pages in a real Chromium: axe-core WCAG 2.1 AA audits in Danish and English, zero violations."""

from __future__ import annotations

from datetime import timedelta

import pyotp
import pytest
from flask import current_app
from playwright.sync_api import Page, Response, expect

from portal.models import utcnow
from portal.services import answers, events, promises
from tests.answer_helpers import make_dispute_file
from tests.browser import CHROMIUM_PATH, axe_violations, describe_violations
from tests.conftest import make_case, make_creditor
from tests.plan_helpers import make_plan
from tests.staff_helpers import PASSWORD, code_for, make_staff
from tests.test_browser import LANGUAGES, browser, new_context, submit  # noqa: F401  (fixtures)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM_PATH.exists(), reason=f"browser tests need Debian's Chromium at {CHROMIUM_PATH}"),
]


def _password(page: Page, user) -> Response:
    page.goto("/staff/login")
    page.fill("input[name=email]", user.email)
    page.fill("input[name=password]", PASSWORD)
    return submit(page, page.locator("main form button"))


def _signed_in(page: Page, db, role: str = "admin"):
    user = make_staff(db, f"{role}@betal.example", role=role)
    _password(page, user)
    page.fill("input[name=code]", code_for(user))
    submit(page, page.locator("main form button"))
    return user


def _case(db):
    case = make_case(db)
    events.record(db, case, "link.fetched", actor="debtor", data={"maybe_scanner": True})
    events.record(db, case, "note.added", actor="system", data={"text": "Ringede"})
    db.commit()
    return case


def login_page(page, db):
    return page.goto("/staff/login")


def login_error(page, db):
    page.goto("/staff/login")
    page.fill("input[name=email]", "nobody@betal.example")
    page.fill("input[name=password]", "wrong")
    return submit(page, page.locator("main form button"))


def code_page(page, db):
    return _password(page, make_staff(db))


def enrol_page(page, db):
    return _password(page, make_staff(db, enrolled=False))


def recovery_codes(page, db):
    user = make_staff(db, enrolled=False)
    _password(page, user)
    db.refresh(user)
    page.fill("input[name=code]", pyotp.TOTP(user.totp_secret).now())
    return submit(page, page.locator("main form button"))


def search_results(page, db):
    make_case(db)
    _signed_in(page, db)
    return page.goto("/staff?q=22+33+44+55")


def search_empty(page, db):
    _signed_in(page, db)
    return page.goto("/staff?q=nobody")


def case_page(page, db):
    case = _case(db)
    _signed_in(page, db)
    return page.goto(f"/staff/cases/{case.public_id}")


def case_new_link(page, db):
    case_page(page, db)
    return submit(page, page.locator("form[action$='/link'] button"))


def case_form_errors(page, db):
    case_page(page, db)
    page.fill("input[name=amount]", "abc")
    page.fill("input[name=reference]", "B-1")
    return submit(page, page.locator("form[action$='/payments'] button"))


def case_with_answers(page, db):
    """A case with a waiting plan, an open dispute with evidence, a promise and a call-back request."""
    creditor = make_creditor(db, policy={"plan_auto_approve_max_total": 100})
    case = make_case(db, creditor)
    make_plan(db, case)
    make_dispute_file(current_app, db, case)
    now = utcnow()
    loaded = answers.load_case(db, case.id)
    promises.create(db, loaded, promised_on=answers.local_today(now) + timedelta(days=3), now=now)
    answers.request_callback(db, loaded, phone="+4522334455", window="morning", now=now)
    db.commit()
    user = make_staff(db, "agent@testvarme.example", creditor=creditor)
    _password(page, user)
    page.fill("input[name=code]", code_for(user))
    submit(page, page.locator("main form button"))
    return page.goto(f"/staff/cases/{case.public_id}")


def case_decision_errors(page, db):
    case_with_answers(page, db)
    page.check("input[name=outcome][value=rejected]")
    return submit(page, page.locator("form[action$='/dispute/resolution'] button"))


def audit_page(page, db):
    case = _case(db)
    _signed_in(page, db)
    page.goto(f"/staff/cases/{case.public_id}")
    return page.goto("/staff/audit")


def dashboard_page(page, db):
    _case(db)
    _signed_in(page, db)
    return page.goto("/staff/dashboard")


def not_found(page, db):
    _signed_in(page, db)
    return page.goto("/staff/cases/cas_doesnotexist")


def forbidden(page, db):
    _signed_in(page, db, role="agent")
    return page.goto("/staff/audit")


STAFF_PAGES = {
    "login": (login_page, 200),
    "login_error": (login_error, 422),
    "code": (code_page, 200),
    "enrol": (enrol_page, 200),
    "recovery_codes": (recovery_codes, 200),
    "search_results": (search_results, 200),
    "search_empty": (search_empty, 200),
    "case": (case_page, 200),
    "case_new_link": (case_new_link, 200),
    "case_form_errors": (case_form_errors, 422),
    "case_with_answers": (case_with_answers, 200),
    "case_decision_errors": (case_decision_errors, 422),
    "audit": (audit_page, 200),
    "dashboard": (dashboard_page, 200),
    "not_found": (not_found, 404),
    "forbidden": (forbidden, 403),
}


@pytest.mark.parametrize("name", list(STAFF_PAGES))
@pytest.mark.parametrize("lang", LANGUAGES)
def test_staff_page_has_no_axe_violations(new_context, app, db, lang, name):  # noqa: F811 (fixture)
    page = new_context(lang=lang).new_page()
    reach, status = STAFF_PAGES[name]
    with app.app_context():  # builders that store files read the app's settings
        response = reach(page, db)
    assert response.status == status, f"{name} answered {response.status} at {page.url}"
    expect(page.locator("html")).to_have_attribute("lang", lang)
    violations = axe_violations(page)
    assert not violations, describe_violations(f"{name} ({lang}, {page.url})", violations)
