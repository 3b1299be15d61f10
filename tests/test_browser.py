"""Debtor pages in a real Chromium: axe-core WCAG 2.1 AA audits in da and en, reflow, and a keyboard-only journey."""

from __future__ import annotations

import io
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import BrowserContext, Locator, Page, Request, Response, expect, sync_playwright
from playwright.sync_api import Error as PlaywrightError
from pypdf import PdfReader
from sqlalchemy import select
from werkzeug.serving import make_server

from portal.i18n import LANG_COOKIE
from portal.models import Dispute, PaymentAttempt, utcnow
from portal.services import message_tasks, messages
from portal.services.cases import NewFee, NewInvoice, NewLine
from tests.browser import (
    CHROMIUM_PATH,
    axe_violations,
    describe_focus,
    describe_violations,
    horizontal_overflow,
    is_focused,
    launch_chromium,
    tab_until_focused,
)
from tests.conftest import dispose, make_case, make_creditor, token_for
from tests.stripe_fake import FakeStripe, stripe_app

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM_PATH.exists(), reason=f"browser tests need Debian's Chromium at {CHROMIUM_PATH}"),
]

LANGUAGES = ["da", "en"]
NBSP = "\xa0"
TIMEOUT_MS = 10_000


# --- fixtures -----------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium for the whole session; the module is skipped when it cannot start."""
    try:
        playwright = sync_playwright().start()
    except Exception as error:  # any failure to start the driver means no browser tests
        pytest.skip(f"Playwright cannot start: {first_line(error)}")
    try:
        browser = launch_chromium(playwright)
    except PlaywrightError as error:
        playwright.stop()
        pytest.skip(f"Playwright cannot launch {CHROMIUM_PATH}: {first_line(error)}")
    yield browser
    browser.close()
    playwright.stop()


def first_line(error: Exception) -> str:
    """The first line of an error message (Playwright's carry a long call log)."""
    return (str(error).strip().splitlines() or [type(error).__name__])[0]


@pytest.fixture
def new_context(browser, live_server) -> Iterator[Callable[..., BrowserContext]]:
    """Make fresh browser contexts (no shared cookies) pointed at the live server; closed after the test."""
    contexts: list[BrowserContext] = []

    def make(*, lang: str | None = None, javascript: bool = True, width: int = 1280) -> BrowserContext:
        context = browser.new_context(
            base_url=live_server, java_script_enabled=javascript, viewport={"width": width, "height": 720}
        )
        context.set_default_timeout(TIMEOUT_MS)
        if lang:
            context.add_cookies([{"name": LANG_COOKIE, "value": lang, "url": live_server}])
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()


# --- reaching each page -------------------------------------------------------------------------


def submit(page: Page, button: Locator) -> Response:
    """Click a form button and return the response of the page it leads to (after redirects)."""
    with page.expect_navigation() as navigation:
        button.click()
    return navigation.value


def continue_button(page: Page) -> Locator:
    """The Fortsæt / Continue button of the landing page."""
    return page.locator("main form").get_by_role("button")


def open_case_page(page: Page, app, case) -> Response:
    """Open the case's link and press Fortsæt."""
    page.goto(f"/l/{token_for(app, case)}")
    return submit(page, continue_button(page))


def several_invoices() -> list[NewInvoice]:
    """Three overdue invoices with a few lines each."""
    issued = date.today() - timedelta(days=60)
    return [
        NewInvoice(
            number="F-2001",
            issued_on=issued,
            due_on=issued + timedelta(days=14),
            amount=89900,
            lines=(NewLine("Varme september", 79900), NewLine("Fast afgift", 10000)),
        ),
        NewInvoice(
            number="F-2002",
            issued_on=issued + timedelta(days=30),
            due_on=issued + timedelta(days=44),
            amount=123450,
            lines=(NewLine("Varme oktober", 100000), NewLine("Fast afgift", 23450)),
        ),
        NewInvoice(
            number="F-2003",
            issued_on=issued + timedelta(days=31),
            due_on=issued + timedelta(days=45),
            amount=4995,
            lines=(NewLine("Målerleje", 4995),),
        ),
    ]


def landing(page: Page, app, db) -> Response:
    return page.goto(f"/l/{token_for(app, make_case(db))}")


def landing_with_postcode(page: Page, app, db) -> Response:
    case = make_case(db, make_creditor(db, require_postcode=True))
    return page.goto(f"/l/{token_for(app, case)}")


def landing_after_wrong_postcode(page: Page, app, db) -> Response:
    landing_with_postcode(page, app, db)
    page.locator("input[name=postcode]").fill("9999")
    response = submit(page, continue_button(page))
    expect(page.locator("input[name=postcode]")).to_have_attribute("aria-invalid", "true")
    return response


def case_page(page: Page, app, db) -> Response:
    return open_case_page(page, app, make_case(db))


def case_page_with_invoices_and_fee(page: Page, app, db) -> Response:
    fee = NewFee(kind="reminder_fee", amount=10000, description="Rykkergebyr")
    return open_case_page(page, app, make_case(db, invoices=several_invoices(), fees=[fee]))


def case_page_of_english_debtor(page: Page, app, db) -> Response:
    return open_case_page(page, app, make_case(db, locale="en"))


def accessibility_statement(page: Page, app, db) -> Response:
    return page.goto("/tilgaengelighed")


def goodbye(page: Page, app, db) -> Response:
    case_page(page, app, db)
    return submit(page, page.locator("form[action$='/sag/afslut'] button"))


def no_session(page: Page, app, db) -> Response:
    return page.goto("/sag")


def tampered_link(page: Page, app, db) -> Response:
    token = token_for(app, make_case(db))
    tampered = ("B" if token[0] == "A" else "A") + token[1:]
    return page.goto(f"/l/{tampered}")


def revoked_link(page: Page, app, db) -> Response:
    case = make_case(db)
    token = token_for(app, case)
    case.link_version += 1
    db.commit()
    return page.goto(f"/l/{token}")


def unsubscribe_question(page: Page, app, db) -> Response:
    case = make_case(db)
    message = messages.queue(db, case, channel="email", template="reminder", locale="da", day=date.today(),
                             now=utcnow(), step="day4")  # fmt: skip
    db.commit()
    token = message_tasks.settings(app).unsubscribe_signer.sign(message.public_id).decode()
    return page.goto(f"/webhooks/email/unsubscribe/{token}")


def unsubscribed(page: Page, app, db) -> Response:
    unsubscribe_question(page, app, db)
    return submit(page, page.locator("main form button"))


def unknown_path(page: Page, app, db) -> Response:
    return page.goto("/nope")


def pay_button(page: Page, method: str = "card") -> Locator:
    """A pay button ("Betal med kort" / "Betal med MobilePay") on the case or pay page."""
    return page.locator(f"main button[name=method][value={method}]")


def demo_checkout(page: Page, app, db) -> Response:
    case_page(page, app, db)
    return submit(page, pay_button(page, "mobilepay"))


def pay_form(page: Page, app, db) -> Response:
    open_case_page(page, app, make_case(db, make_creditor(db, policy={"partial_payment_minimum": 20000})))
    return page.goto("/sag/betal")


def pay_form_with_error(page: Page, app, db) -> Response:
    pay_form(page, app, db)
    page.locator("input[name=amount]").fill("1")
    return submit(page, pay_button(page))


def payment_paid(page: Page, app, db) -> Response:
    demo_checkout(page, app, db)
    return submit(page, page.locator("button[name=decision][value=approve]"))


def payment_declined(page: Page, app, db) -> Response:
    demo_checkout(page, app, db)
    return submit(page, page.locator("button[name=decision][value=decline]"))


def payment_in_state(status: str) -> Callable[[Page, object, object], Response]:
    """Reach the result page of an attempt in the given state (set directly, as a provider event would)."""

    def reach(page: Page, app, db) -> Response:
        demo_checkout(page, app, db)
        attempt = db.scalars(select(PaymentAttempt)).one()
        attempt.status = status
        db.commit()
        return page.goto(f"/sag/betaling/{attempt.public_id}")

    return reach


def receipt(page: Page, app, db) -> Response:
    payment_paid(page, app, db)
    with page.expect_navigation() as navigation:
        page.locator("main a[href^='/sag/kvittering/']:not([download])").click()
    return navigation.value


def other_option(page: Page, app, db, path: str, **case_options) -> Response:
    """Open a case and follow its "Other options" link to a form."""
    open_case_page(page, app, make_case(db, **case_options))
    return submit(page, page.locator(f"main a[href='{path}']"))


def dispute_form(page: Page, app, db) -> Response:
    return other_option(page, app, db, "/sag/indsigelse")


def dispute_form_with_error(page: Page, app, db) -> Response:
    dispute_form(page, app, db)
    page.locator("textarea[name=text]").fill("Jeg har aldrig modtaget varen.")
    page.locator("input[name=files]").set_input_files(
        [{"name": "faktura.pdf", "mimeType": "application/pdf", "buffer": b"<html><script>alert(1)</script></html>"}]
    )
    response = submit(page, page.locator("main form button[type=submit]"))
    expect(page.locator("textarea[name=text]")).to_have_value("Jeg har aldrig modtaget varen.")
    return response


def dispute_sent(page: Page, app, db) -> Response:
    dispute_form(page, app, db)
    page.locator("input[name=reason][value=not_my_debt]").check()
    return submit(page, page.locator("main form button[type=submit]"))


def case_with_answers(page: Page, app, db) -> Response:
    dispute_sent(page, app, db)
    page.goto("/sag/ring-op")
    page.locator("input[name=phone]").fill("22 33 44 55")
    page.locator("input[name=window][value=any]").check()
    submit(page, page.locator("main form button[type=submit]"))
    dispute = db.scalars(select(Dispute)).one()
    dispute.status, dispute.outcome = "resolved", "rejected"
    dispute.resolution_message = "Vi har kontrolleret sagen, og beløbet er korrekt.\nRing gerne, hvis du har spørgsmål."
    db.commit()
    return page.goto("/sag")


def already_paid_form(page: Page, app, db) -> Response:
    return other_option(page, app, db, "/sag/betalt")


def already_paid_with_error(page: Page, app, db) -> Response:
    already_paid_form(page, app, db)
    page.locator("input[name=amount]").fill("mange penge")
    page.locator("input[name=reference]").fill("REF-1")
    return submit(page, page.locator("main form button[type=submit]"))


def already_paid_sent(page: Page, app, db) -> Response:
    already_paid_form(page, app, db)
    page.locator("input[name=paid_on]").fill(date.today().isoformat())
    page.locator("input[name=amount]").fill("1234")
    page.locator("input[name=channel][value=bank_transfer]").check()
    return submit(page, page.locator("main form button[type=submit]"))


def promise_form(page: Page, app, db) -> Response:
    return other_option(page, app, db, "/sag/betaler")


def promise_with_error(page: Page, app, db) -> Response:
    promise_form(page, app, db)
    page.locator("input[name=promised_on]").fill((date.today() + timedelta(days=40)).isoformat())
    return submit(page, page.locator("main form button[type=submit]"))


def promise_sent(page: Page, app, db) -> Response:
    promise_form(page, app, db)
    page.locator("input[name=promised_on]").fill((date.today() + timedelta(days=3)).isoformat())
    return submit(page, page.locator("main form button[type=submit]"))


def callback_form(page: Page, app, db) -> Response:
    return other_option(page, app, db, "/sag/ring-op")


def callback_with_error(page: Page, app, db) -> Response:
    callback_form(page, app, db)
    page.locator("input[name=phone]").fill("123")
    return submit(page, page.locator("main form button[type=submit]"))


def callback_sent(page: Page, app, db) -> Response:
    callback_form(page, app, db)
    page.locator("input[name=phone]").fill("22 33 44 55")
    page.locator("input[name=window][value=morning]").check()
    return submit(page, page.locator("main form button[type=submit]"))


def contact_form(page: Page, app, db) -> Response:
    return other_option(page, app, db, "/sag/kontakt")


def contact_with_error(page: Page, app, db) -> Response:
    contact_form(page, app, db)
    page.locator("input[name=email]").fill("ikke en adresse")
    return submit(page, page.locator("main form button[type=submit]"))


def contact_sent(page: Page, app, db) -> Response:
    contact_form(page, app, db)
    page.locator("input[name=email]").fill("mette.ny@example.dk")
    return submit(page, page.locator("main form button[type=submit]"))


# name: (how to reach it, its HTTP status)
DEBTOR_PAGES: dict[str, tuple[Callable[[Page, object, object], Response], int]] = {
    "landing": (landing, 200),
    "landing-with-postcode": (landing_with_postcode, 200),
    "landing-after-wrong-postcode": (landing_after_wrong_postcode, 422),
    "case": (case_page, 200),
    "case-with-invoices-and-fee": (case_page_with_invoices_and_fee, 200),
    "case-of-english-debtor": (case_page_of_english_debtor, 200),
    "accessibility-statement": (accessibility_statement, 200),
    "goodbye": (goodbye, 200),
    "no-session": (no_session, 403),
    "tampered-link": (tampered_link, 404),
    "revoked-link": (revoked_link, 410),
    "not-found": (unknown_path, 404),
    "unsubscribe-question": (unsubscribe_question, 200),
    "unsubscribed": (unsubscribed, 200),
    "pay-form": (pay_form, 200),
    "pay-form-with-error": (pay_form_with_error, 422),
    "demo-checkout": (demo_checkout, 200),
    "payment-paid": (payment_paid, 200),
    "payment-declined": (payment_declined, 200),
    "payment-pending": (payment_in_state("pending"), 200),
    "payment-not-finished": (payment_in_state("open"), 200),
    "payment-cancelled": (payment_in_state("cancelled"), 200),
    "receipt": (receipt, 200),
    "dispute-form": (dispute_form, 200),
    "dispute-form-with-error": (dispute_form_with_error, 422),
    "dispute-sent": (dispute_sent, 200),
    "case-with-answers": (case_with_answers, 200),
    "already-paid-form": (already_paid_form, 200),
    "already-paid-with-error": (already_paid_with_error, 422),
    "already-paid-sent": (already_paid_sent, 200),
    "promise-form": (promise_form, 200),
    "promise-with-error": (promise_with_error, 422),
    "promise-sent": (promise_sent, 200),
    "callback-form": (callback_form, 200),
    "callback-with-error": (callback_with_error, 422),
    "callback-sent": (callback_sent, 200),
    "contact-form": (contact_form, 200),
    "contact-with-error": (contact_with_error, 422),
    "contact-sent": (contact_sent, 200),
}
# The fullest page of each template, for the checks that depend on layout rather than data.
ONE_PAGE_PER_TEMPLATE = [
    "landing-after-wrong-postcode",
    "case-with-invoices-and-fee",
    "accessibility-statement",
    "goodbye",
    "no-session",
    "revoked-link",
    "not-found",
    "unsubscribe-question",
    "pay-form-with-error",
    "demo-checkout",
    "payment-paid",
    "payment-not-finished",
    "receipt",
    "dispute-form-with-error",
    "dispute-sent",
    "case-with-answers",
    "already-paid-with-error",
    "already-paid-sent",
    "promise-with-error",
    "promise-sent",
    "callback-with-error",
    "callback-sent",
    "contact-with-error",
    "contact-sent",
]


def reach_page(page: Page, app, db, name: str) -> Response:
    """Reach the named debtor page in this browser page and check its HTTP status."""
    reach, status = DEBTOR_PAGES[name]
    response = reach(page, app, db)
    assert response.status == status, f"{name} answered {response.status} at {page.url}"
    return response


def reflow_params() -> list:
    """Every language and template."""
    return [pytest.param(lang, name, id=f"{lang}-{name}") for lang in LANGUAGES for name in ONE_PAGE_PER_TEMPLATE]


# --- axe-core audits ----------------------------------------------------------------------------


@pytest.mark.parametrize("name", list(DEBTOR_PAGES))
@pytest.mark.parametrize("lang", LANGUAGES)
def test_debtor_page_has_no_axe_violations(new_context, app, db, lang, name):
    page = new_context(lang=lang).new_page()
    reach_page(page, app, db, name)
    expect(page.locator("html")).to_have_attribute("lang", lang)
    violations = axe_violations(page)
    assert not violations, describe_violations(f"{name} ({lang}, {page.url})", violations)


def test_axe_audit_reports_violations_on_a_deliberately_broken_page(browser):
    context = browser.new_context()
    try:
        page = context.new_page()
        page.set_content("<html><body><main><input type=text><p style='color:#bbb'>faint</p></main></body></html>")
        rule_ids = {violation["id"] for violation in axe_violations(page)}
    finally:
        context.close()
    assert {"html-has-lang", "label", "color-contrast"} <= rule_ids, rule_ids


# --- reflow (WCAG 1.4.10): 320 CSS pixels is a 1280 px window at 400 % zoom -----------------------


@pytest.mark.parametrize(("lang", "name"), reflow_params())
def test_debtor_page_reflows_at_320_css_pixels_without_scrolling_sideways(new_context, app, db, lang, name):
    page = new_context(lang=lang, width=320).new_page()
    reach_page(page, app, db, name)
    overflow = horizontal_overflow(page)
    assert not overflow, f"{name} ({lang}) scrolls sideways at 320px: {overflow}"


# --- keyboard only, no JavaScript ---------------------------------------------------------------


def walk_keyboard_journey(page: Page, token: str) -> None:
    """Open the link, Tab to Fortsæt, Enter; then Tab to the language switch, Enter; checking each step."""
    page.goto(f"/l/{token}")
    page.keyboard.press("Tab")
    skip_link = page.locator("a[href='#main']")
    assert is_focused(skip_link), f"first Tab focused {describe_focus(page)}, not the skip link"
    expect(skip_link).to_be_in_viewport()
    tab_until_focused(page, continue_button(page), max_tabs=5)
    with page.expect_navigation():
        page.keyboard.press("Enter")

    assert urlsplit(page.url).path == "/sag"
    assert token not in page.url
    expect(page.locator("h1")).to_be_visible()
    assert f"1.234,50{NBSP}kr." in page.locator("main").text_content()

    tab_until_focused(page, page.locator("footer form.lang button[name=lang]"), max_tabs=20)
    with page.expect_navigation():
        page.keyboard.press("Enter")

    assert urlsplit(page.url).path == "/sag"
    expect(page.locator("html")).to_have_attribute("lang", "en")
    assert f"DKK{NBSP}1,234.50" in page.locator("main").text_content()


def test_keyboard_only_journey_without_javascript_opens_the_case_and_switches_to_english(new_context, app, db):
    page = new_context(javascript=False).new_page()
    walk_keyboard_journey(page, token_for(app, make_case(db)))


def test_journey_requests_stay_on_the_portal_and_never_carry_the_token_after_fortsaet(
    new_context, app, db, live_server
):
    token = token_for(app, make_case(db))
    page = new_context(javascript=False).new_page()
    requests: list[Request] = []
    page.on("request", lambda request: requests.append(request))

    walk_keyboard_journey(page, token)

    origin = urlsplit(live_server)[:2]
    foreign = [f"{r.method} {r.url}" for r in requests if urlsplit(r.url)[:2] != origin]
    assert not foreign, f"requests left {live_server}: {foreign}"

    posts = [n for n, r in enumerate(requests) if r.method == "POST" and urlsplit(r.url).path == f"/l/{token}"]
    assert len(posts) == 1, [f"{r.method} {r.url}" for r in requests]
    carrying_token = [
        f"{r.method} {r.url} (Referer: {referer(r)})"
        for r in requests[posts[0] + 1 :]
        if token in r.url or token in referer(r)
    ]
    assert not carrying_token, f"requests after the POST carry the token: {carrying_token}"
    leaking_referer = [f"{r.method} {r.url}" for r in requests if token in referer(r)]
    assert not leaking_referer, f"requests send the token in their Referer: {leaking_referer}"


def referer(request: Request) -> str:
    """The Referer a request was sent with, from the headers Playwright saw and the raw ones Chromium sent."""
    return request.headers.get("referer") or request.all_headers().get("referer") or ""


# --- paying: the demo provider by keyboard, and the step to Stripe --------------------------------

PAID_HEADING = {"da": "Tak — betalingen er modtaget", "en": "Thank you — we have received your payment"}
RECEIPT_AMOUNT = {"da": "1.234,50 kr.", "en": "DKK 1,234.50"}


def press_enter_on(page: Page, target: Locator, *, max_tabs: int) -> None:
    """Tab to target and press Enter, waiting for the page it leads to."""
    tab_until_focused(page, target, max_tabs=max_tabs)
    with page.expect_navigation():
        page.keyboard.press("Enter")


def assert_no_axe_violations(page: Page, where: str) -> None:
    violations = axe_violations(page)
    assert not violations, describe_violations(f"{where} ({page.url})", violations)


@pytest.mark.parametrize("method", ["card", "mobilepay"])
@pytest.mark.parametrize("lang", LANGUAGES)
def test_keyboard_journey_pays_with_the_demo_provider_and_downloads_the_receipt(
    new_context, app, db, live_server, lang, method
):
    token = token_for(app, make_case(db))
    page = new_context(lang=lang).new_page()
    requests: list[Request] = []
    page.on("request", lambda request: requests.append(request))

    page.goto(f"/l/{token}")
    press_enter_on(page, continue_button(page), max_tabs=6)
    assert urlsplit(page.url).path == "/sag"
    assert_no_axe_violations(page, f"case ({lang})")

    press_enter_on(page, pay_button(page, method), max_tabs=8)
    assert urlsplit(page.url).path.endswith("/demo")
    assert_no_axe_violations(page, f"demo checkout ({lang})")

    press_enter_on(page, page.locator("button[name=decision][value=approve]"), max_tabs=6)
    expect(page.locator("h1")).to_have_text(PAID_HEADING[lang])
    assert_no_axe_violations(page, f"payment result ({lang})")

    press_enter_on(page, page.locator("main a[href^='/sag/kvittering/']:not([download])"), max_tabs=6)
    expect(page.locator("main")).to_contain_text(RECEIPT_AMOUNT[lang].replace(" ", NBSP))
    assert_no_axe_violations(page, f"receipt ({lang})")

    tab_until_focused(page, page.locator("main a[download]"), max_tabs=6)
    with page.expect_download() as download:
        page.keyboard.press("Enter")
    with open(download.value.path(), "rb") as handle:
        pdf = PdfReader(io.BytesIO(handle.read()))
    text = " ".join(p.extract_text() for p in pdf.pages).replace(NBSP, " ")
    assert RECEIPT_AMOUNT[lang] in text and ("MobilePay" in text) == (method == "mobilepay")

    origin = urlsplit(live_server)[:2]
    foreign = [f"{r.method} {r.url}" for r in requests if urlsplit(r.url)[:2] != origin]
    assert not foreign, f"the demo journey left {live_server}: {foreign}"


@contextmanager
def serve(app) -> Iterator[str]:
    """Serve an app over HTTP on a free loopback port."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=5)


def test_only_the_pay_step_goes_to_stripe_and_it_carries_no_token(browser, app, db, database_url):
    fake = FakeStripe()
    portal = stripe_app(database_url, fake)
    case = make_case(db)
    token = token_for(portal, case)
    try:
        with serve(portal) as base:
            context = browser.new_context(base_url=base)
            context.set_default_timeout(TIMEOUT_MS)
            page = context.new_page()
            requests: list[Request] = []
            page.on("request", lambda request: requests.append(request))
            page.goto(f"/l/{token}")
            submit(page, continue_button(page))
            before_pay = len(requests)
            # The browser follows the 303 to Stripe Checkout only if the page's CSP form-action allows it.
            # (There is no network here, so the request to Stripe is seen but never answered.)
            with page.expect_request(lambda request: request.url.startswith("https://checkout.stripe.com/")) as sent:
                pay_button(page, "card").click()
            reached = sent.value
            headers = reached.headers
            context.close()
    finally:
        dispose(portal)

    (session,) = fake.sessions.values()
    assert reached.url == session["url"] and reached.is_navigation_request()
    assert token not in reached.url and "referer" not in headers, headers
    foreign = [r.url for r in requests[:before_pay] if not r.url.startswith(base)]
    assert not foreign, f"pages before the pay step talked to third parties: {foreign}"
    assert all(token not in r.url and token not in (r.headers.get("referer") or "") for r in requests[before_pay:])


# --- the debtor's answers by keyboard, without JavaScript ---------------------------------------------

DISPUTE_SENT_HEADING = {"da": "Din indsigelse er sendt", "en": "Your objection has been sent"}


@pytest.mark.parametrize("lang", LANGUAGES)
def test_keyboard_only_dispute_without_javascript_keeps_the_text_after_an_error(new_context, app, db, lang):
    case = make_case(db)
    page = new_context(lang=lang, javascript=False).new_page()
    page.goto(f"/l/{token_for(app, case)}")
    press_enter_on(page, continue_button(page), max_tabs=6)
    press_enter_on(page, page.locator("main a[href='/sag/indsigelse']"), max_tabs=30)
    assert urlsplit(page.url).path == "/sag/indsigelse"

    words = "Jeg har aldrig bestilt denne ydelse."
    tab_until_focused(page, page.locator("textarea[name=text]"), max_tabs=10)
    page.keyboard.type(words)
    press_enter_on(page, page.locator("main form button[type=submit]"), max_tabs=4)
    expect(page.locator("fieldset .error")).to_be_visible()
    expect(page.locator("textarea[name=text]")).to_have_value(words)  # (axe needs JavaScript: audited above)

    tab_until_focused(page, page.locator("input[name=reason]").first, max_tabs=10)
    page.keyboard.press("Space")
    for _ in range(3):
        page.keyboard.press("ArrowDown")
    expect(page.locator("input[name=reason][value=not_my_debt]")).to_be_checked()
    press_enter_on(page, page.locator("main form button[type=submit]"), max_tabs=4)
    expect(page.locator("h1")).to_have_text(DISPUTE_SENT_HEADING[lang])
    dispute = db.scalars(select(Dispute)).one()
    assert (dispute.reason, dispute.text) == ("not_my_debt", words)

    press_enter_on(page, page.locator("main a[href='/sag']"), max_tabs=6)
    expect(page.locator("#answers-heading")).to_be_visible()
