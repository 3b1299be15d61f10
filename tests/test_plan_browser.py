"""Payment plan pages in a real Chromium: axe-core audits in da and en, reflow, and a keyboard-only request."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page, Response, expect

from portal.services import plans
from tests.browser import CHROMIUM_PATH, axe_violations, describe_violations, horizontal_overflow, tab_until_focused
from tests.conftest import make_case, make_creditor
from tests.plan_helpers import make_plan
from tests.test_browser import (  # noqa: F401  (the browser fixtures)
    LANGUAGES,
    browser,
    continue_button,
    new_context,
    open_case_page,
    submit,
    token_for,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM_PATH.exists(), reason=f"browser tests need Debian's Chromium at {CHROMIUM_PATH}"),
]
APPROVED_HEADING = {"da": "Din afdragsordning er godkendt", "en": "Your payment plan is approved"}


def plan_form(page: Page, app, db, creditor_policy: dict | None = None) -> Response:
    creditor = make_creditor(db, policy=creditor_policy or {})
    open_case_page(page, app, make_case(db, creditor))
    return page.goto("/sag/afdrag")


def button(page: Page, action: str):
    return page.locator(f"main button[name=action][value={action}]")


def plan_preview(page: Page, app, db) -> Response:
    plan_form(page, app, db)
    page.locator("select[name=count]").select_option("4")
    return submit(page, button(page, "preview"))


def plan_form_with_error(page: Page, app, db) -> Response:
    plan_form(page, app, db)
    page.locator("input[name=split][value=monthly]").check()
    page.locator("input[name=monthly]").fill("100")
    response = submit(page, button(page, "send"))
    expect(page.locator("input[name=monthly]")).to_have_attribute("aria-invalid", "true")
    return response


def plan_approved(page: Page, app, db) -> Response:
    plan_form(page, app, db)
    return submit(page, button(page, "send"))


def plan_requested(page: Page, app, db) -> Response:
    plan_form(page, app, db, {"plan_auto_approve_max_total": 0})
    return submit(page, button(page, "send"))


def case_with_plan(page: Page, app, db) -> Response:
    case = make_case(db)
    make_plan(db, case)
    return open_case_page(page, app, case)


def case_with_rejected_plan(page: Page, app, db) -> Response:
    case = make_case(db, make_creditor(db, policy={"plan_auto_approve_max_total": 0}))
    make_plan(db, case, count=2)
    plans.decide(db, case, approve=False, message="Ring til os, så finder vi en løsning.", actor="api")
    db.commit()
    return open_case_page(page, app, case)


PLAN_PAGES: dict[str, tuple[Callable[[Page, object, object], Response], int]] = {
    "plan-form": (plan_form, 200),
    "plan-preview": (plan_preview, 200),
    "plan-form-with-error": (plan_form_with_error, 422),
    "plan-approved": (plan_approved, 200),
    "plan-requested": (plan_requested, 200),
    "case-with-plan": (case_with_plan, 200),
    "case-with-rejected-plan": (case_with_rejected_plan, 200),
}


def reach(page: Page, app, db, name: str) -> None:
    how, status = PLAN_PAGES[name]
    response = how(page, app, db)
    assert response.status == status, f"{name} answered {response.status} at {page.url}"


@pytest.mark.parametrize("name", list(PLAN_PAGES))
@pytest.mark.parametrize("lang", LANGUAGES)
def test_plan_page_has_no_axe_violations(new_context, app, db, lang, name):  # noqa: F811 (fixture)
    page = new_context(lang=lang).new_page()
    reach(page, app, db, name)
    expect(page.locator("html")).to_have_attribute("lang", lang)
    violations = axe_violations(page)
    assert not violations, describe_violations(f"{name} ({lang}, {page.url})", violations)


@pytest.mark.parametrize("name", ["plan-form-with-error", "plan-preview", "plan-approved", "case-with-plan"])
@pytest.mark.parametrize("lang", LANGUAGES)
def test_plan_page_reflows_at_320_css_pixels(new_context, app, db, lang, name):  # noqa: F811 (fixture)
    page = new_context(lang=lang, width=320).new_page()
    reach(page, app, db, name)
    overflow = horizontal_overflow(page)
    assert not overflow, f"{name} ({lang}) scrolls sideways at 320px: {overflow}"


def press_enter_on(page: Page, target, *, max_tabs: int) -> None:
    tab_until_focused(page, target, max_tabs=max_tabs)
    with page.expect_navigation():
        page.keyboard.press("Enter")


@pytest.mark.parametrize("lang", LANGUAGES)
def test_keyboard_only_plan_request_without_javascript(new_context, app, db, lang):  # noqa: F811 (fixture)
    page = new_context(lang=lang, javascript=False).new_page()
    page.goto(f"/l/{token_for(app, make_case(db))}")
    press_enter_on(page, continue_button(page), max_tabs=6)
    press_enter_on(page, page.locator("main a[href='/sag/afdrag']"), max_tabs=15)
    assert urlsplit(page.url).path == "/sag/afdrag"

    tab_until_focused(page, page.locator("select[name=count]"), max_tabs=10)
    page.keyboard.press("ArrowDown")  # 3 → 4 instalments
    press_enter_on(page, button(page, "preview"), max_tabs=10)
    expect(page.locator("#preview tbody tr")).to_have_count(4)
    expect(page.locator("select[name=count]")).to_have_value("4")

    press_enter_on(page, button(page, "send"), max_tabs=10)
    expect(page.locator("h1")).to_have_text(APPROVED_HEADING[lang])
    expect(page.locator("main table.installments tbody tr")).to_have_count(4)
    first = (date.today() + timedelta(days=14)).day
    assert str(first) in page.locator("main table.installments tbody tr").first.text_content()


def test_with_javascript_the_preview_follows_the_choice_without_a_page_load(new_context, app, db):  # noqa: F811 (fixture)
    page = new_context(lang="da").new_page()
    plan_form(page, app, db)
    navigations: list[str] = []
    page.on("framenavigated", lambda frame: navigations.append(frame.url))
    expect(page.locator("#preview")).to_have_count(0)
    page.locator("select[name=count]").select_option("5")
    expect(page.locator("#preview tbody tr")).to_have_count(5)
    page.locator("input[name=split][value=monthly]").check()
    page.locator("input[name=monthly]").fill("600")
    expect(page.locator("#preview tbody tr")).to_have_count(3)  # 600 + 600 + 34,50 kr.
    assert not navigations, navigations
    violations = axe_violations(page)
    assert not violations, describe_violations("live preview", violations)
