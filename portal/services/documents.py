"""PDF documents rendered with WeasyPrint, never fetching anything, cached per case state."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable
from functools import lru_cache

from flask import current_app, render_template
from flask_babel import get_locale
from jinja2 import meta
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from weasyprint import HTML
from weasyprint.urls import URLFetcher

from portal.i18n import today
from portal.models import RenderedDocument
from portal.services import creditors
from portal.services.case_view import CaseView, Record
from portal.services.fik import fi_payment_line

OVERVIEW = "overview"
OVERVIEW_TEMPLATE = "pdf/overview.html"
AGREEMENT = "agreement"
AGREEMENT_TEMPLATE = "pdf/agreement.html"


def deny_by_default_fetcher() -> URLFetcher:
    """A fetcher that loads only inline data: URLs; files, HTTP and everything else are refused."""
    return URLFetcher(allowed_protocols={"data"}, allow_redirects=False, timeout=1)


def render_pdf(html: str) -> bytes:
    """Render HTML to PDF bytes with no access to the network or the file system."""
    return HTML(string=html, base_url="about:blank", url_fetcher=deny_by_default_fetcher()).write_pdf()


@lru_cache(maxsize=8)
def template_version(name: str) -> str:
    """Digest of a template's source and of the templates it extends or includes, so a change to any of
    them invalidates its cached renderings."""
    env, digest, todo, seen = current_app.jinja_env, hashlib.sha256(), [name], set()
    while todo:
        current = todo.pop()
        if current in seen:
            continue
        seen.add(current)
        source, _filename, _uptodate = env.loader.get_source(env, current)
        digest.update(source.encode())
        todo.extend(found for found in meta.find_referenced_templates(env.parse(source)) if found)
    return digest.hexdigest()[:16]


def logo_data_uri(session: Session, creditor: Record) -> str | None:
    """The creditor's logo inlined as a data: URL (the fetcher loads nothing else)."""
    found = creditors.logo(session, creditor.public_id)
    if found is None:
        return None
    content, content_type = found
    return f"data:{content_type};base64,{base64.b64encode(content).decode()}"


def overview_pdf(session: Session, view: CaseView) -> bytes:
    """Return the case overview PDF in the current language, rendering only when the case changed."""
    locale = str(get_locale())
    key = view.state_key(locale=locale, template_version=template_version(OVERVIEW_TEMPLATE), as_of=today())
    return cached_pdf(
        session,
        case_id=view.case.id,
        kind=OVERVIEW,
        locale=locale,
        state_key=key,
        html=lambda: render_template(
            OVERVIEW_TEMPLATE,
            view=view,
            logo=logo_data_uri(session, view.creditor),
            fi_line=fi_payment_line(view.creditor.fi_creditor_number, view.case.external_id),
        ),
    )


def agreement_pdf(session: Session, view: CaseView) -> bytes:
    """Return the agreement (afdragsaftale) of the case's newest plan in the current language."""
    locale = str(get_locale())
    plan = view.plan
    state = {"plan": plan.public_id, "decided_at": plan.decided_at.isoformat(), "locale": locale,
             "template": template_version(AGREEMENT_TEMPLATE), "creditor": view.creditor.revision}  # fmt: skip
    key = hashlib.sha256(repr(sorted(state.items())).encode()).hexdigest()
    return cached_pdf(
        session,
        case_id=view.case.id,
        kind=AGREEMENT,
        locale=locale,
        state_key=key,
        html=lambda: render_template(AGREEMENT_TEMPLATE, view=view, logo=logo_data_uri(session, view.creditor)),
    )


def cached_pdf(
    session: Session, *, case_id: int, kind: str, locale: str, state_key: str, html: Callable[[], str]
) -> bytes:
    """The PDF of one document kind for a case and language: the stored rendering while its state holds."""
    cached = session.scalars(
        select(RenderedDocument).where(
            RenderedDocument.case_id == case_id,
            RenderedDocument.kind == kind,
            RenderedDocument.locale == locale,
        )
    ).one_or_none()
    if cached is not None and cached.state_key == state_key:
        return cached.content
    pdf = render_pdf(html())
    rendering = RenderedDocument(case_id=case_id, kind=kind, locale=locale, state_key=state_key, content=pdf)
    _store(session, cached, rendering)
    return pdf


def _store(session: Session, cached: RenderedDocument | None, rendering: RenderedDocument) -> None:
    """Keep the newest rendering; a concurrent render of the same state is harmless."""
    if cached is not None:
        cached.state_key, cached.content = rendering.state_key, rendering.content
        return
    try:
        with session.begin_nested():
            session.add(rendering)
    except IntegrityError:
        pass  # another process stored the same rendering first
