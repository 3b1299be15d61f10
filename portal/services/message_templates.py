"""Message templates: the shipped Danish and English texts, a creditor's overrides, rendering and checks.

Shipped templates are one file per language (templates/sms/<locale>/<name>.txt; templates/email/<locale>/
<name>.subject.txt, .txt and an .html fragment that templates/email/layout.html wraps), so a creditor
overrides exactly what a debtor reads, per language. Every template is rendered in a Jinja sandbox
with only these variables: brand, link, greeting_name, contact_phone, contact_email. No amounts.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from pathlib import Path

from flask_babel import lazy_gettext as _l
from jinja2 import FileSystemLoader, StrictUndefined, TemplateError, select_autoescape
from jinja2.sandbox import SandboxedEnvironment, SecurityError
from markupsafe import Markup, escape
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.config import PROJECT_ROOT
from portal.models import MessageTemplate
from portal.services import gsm
from portal.services.errors import InvalidInput

log = logging.getLogger(__name__)

TEMPLATE_ROOT = PROJECT_ROOT / "templates"
LOCALES = ("da", "en")
CHANNELS = ("sms", "email")
LINK_NAME = "link"  # the template of a link sent on request (staff, send-test)
NAME = re.compile(r"^[a-z0-9_]{1,40}$")
# A link as long as DESIGN section 5 allows (80 characters): what the segment check counts with.
REALISTIC_LINK = "https://betal.kreditor.dk/l/" + "A" * 52
CONTACT_LABEL = {"da": "Spørgsmål? Kontakt os:", "en": "Questions? Contact us:"}


class _Sandbox(SandboxedEnvironment):
    """Jinja's sandbox without arithmetic: `{{ "x" * 10**9 }}` in a creditor's template must not eat the memory."""

    intercepted_binops = frozenset({"*", "**", "//", "/", "%"})

    def call_binop(self, context, operator, left, right):
        """Refuse every intercepted operator: message templates substitute text, they do not compute."""
        raise SecurityError(f"the {operator} operator is not available in message templates")


_env = _Sandbox(
    loader=FileSystemLoader(str(TEMPLATE_ROOT)),
    autoescape=select_autoescape(["html"]),
    undefined=StrictUndefined,
    keep_trailing_newline=False,
)


@dataclass(frozen=True)
class Source:
    """A template's text as stored (Jinja), and where it came from."""

    channel: str
    locale: str
    name: str
    text: str
    subject: str | None = None
    html: str | None = None
    origin: str = "default"  # default | creditor


@dataclass(frozen=True)
class Rendered:
    """A rendered message: the SMS text, or the e-mail's subject, plain text and HTML."""

    text: str
    subject: str | None = None
    html: str | None = None


@dataclass(frozen=True)
class Check:
    """What the checks found: SMS segments with a realistic link, and warnings for the creditor."""

    segments: int | None = None
    warnings: list[str] = field(default_factory=list)


def shipped_names(channel: str) -> list[str]:
    """Names of the shipped templates of a channel (the same in every language)."""
    suffix = ".txt" if channel == "sms" else ".subject.txt"
    return sorted(p.name.removesuffix(suffix) for p in (TEMPLATE_ROOT / channel / "da").glob(f"*{suffix}"))


def _read(path: Path) -> str | None:
    """A shipped file's text, or None when there is none."""
    return path.read_text(encoding="utf-8").strip() if path.is_file() else None


def shipped(channel: str, locale: str, name: str) -> Source | None:
    """The shipped template, or None."""
    folder = TEMPLATE_ROOT / channel / locale
    if channel == "sms":
        text = _read(folder / f"{name}.txt")
        return Source(channel, locale, name, text) if text else None
    subject, text = _read(folder / f"{name}.subject.txt"), _read(folder / f"{name}.txt")
    if not subject or not text:
        return None
    return Source(channel, locale, name, text, subject=subject, html=_read(folder / f"{name}.html"))


def _override(session: Session, creditor_id: int, channel: str, locale: str, name: str) -> MessageTemplate | None:
    """The creditor's override row, or None."""
    return session.scalars(
        select(MessageTemplate).where(
            MessageTemplate.creditor_id == creditor_id,
            MessageTemplate.channel == channel,
            MessageTemplate.locale == locale,
            MessageTemplate.name == name,
        )
    ).one_or_none()


def find(session: Session, creditor_id: int, channel: str, locale: str, name: str) -> Source | None:
    """The template a creditor's message uses: its override, else the shipped one; Danish if the language has none."""
    for lang in dict.fromkeys((locale, "da")):
        row = _override(session, creditor_id, channel, lang, name)
        if row is not None:
            return Source(channel, lang, name, row.text, row.subject, row.html, origin="creditor")
        found = shipped(channel, lang, name)
        if found is not None:
            return found
    return None


def context(*, brand: str, link: str, greeting_name: str = "", phone: str | None = None,
            email: str | None = None) -> dict[str, str]:  # fmt: skip
    """The only variables a template sees."""
    return {"brand": brand, "link": link, "greeting_name": greeting_name, "contact_phone": phone or "",
            "contact_email": email or ""}  # fmt: skip


def _paragraphs(text: str) -> Markup:
    """An HTML fragment from plain text, for an e-mail override without HTML."""
    parts = [escape(part).replace("\n", Markup("<br>")) for part in re.split(r"\n\s*\n", text.strip())]
    return Markup("").join(Markup("<p>{}</p>\n").format(part) for part in parts)


def render(source: Source, values: dict[str, str], *, brand_color: str = "#1d4f91") -> Rendered:
    """Render a template with the given variables (TemplateError when it cannot be)."""
    text = _env.from_string(source.text).render(values).strip()
    if source.channel == "sms":
        return Rendered(text=text)
    subject = " ".join(_env.from_string(source.subject or "").render(values).split())
    html_env = _env.overlay(autoescape=True)
    # The fragment was rendered with autoescape on: every variable in it is escaped already.
    body = Markup(html_env.from_string(source.html).render(values)) if source.html else _paragraphs(text)  # noqa: S704
    html = _env.get_template("email/layout.html").render(
        values, body=body, subject=subject, locale=source.locale, brand_color=brand_color,
        contact_label=CONTACT_LABEL.get(source.locale, CONTACT_LABEL["da"]),
    )  # fmt: skip
    return Rendered(text=text, subject=subject, html=html)


def check(source: Source, *, brand: str) -> Check:
    """Render with a realistic link and say what a creditor should know: a missing link, SMS segments."""
    try:
        rendered = render(source, context(brand=brand, link=REALISTIC_LINK, greeting_name="Mette"))
    except (TemplateError, ArithmeticError, TypeError, ValueError, LookupError) as error:
        message = _l("The template cannot be rendered: %(error)s", error=str(error))
        raise InvalidInput(field="text", message=message) from error
    if REALISTIC_LINK not in rendered.text:
        raise InvalidInput(field="text", message=_l("The template must contain the link: {{ link }}"))
    if source.channel != "sms":
        return Check()
    segments, warnings = gsm.segments(rendered.text), []
    if odd := gsm.non_gsm7(rendered.text):
        warnings.append(f"Characters outside GSM-7 ({''.join(odd)}) make the SMS UCS-2 (70 characters a segment).")
    if segments > 1:
        warnings.append(f"With an 80-character link the SMS takes {segments} segments, not one.")
        log.warning("SMS template %s/%s/%s takes %d segments", source.channel, source.locale, source.name, segments)
    return Check(segments=segments, warnings=warnings)


def save(session: Session, creditor_id: int, source: Source, *, brand: str) -> tuple[Source, Check]:
    """Store a creditor's override after checking it; return it with the check's findings."""
    if source.channel not in CHANNELS or source.locale not in LOCALES or not NAME.match(source.name):
        raise InvalidInput(field="name", message=_l("Unknown channel, language or template name."))
    if source.channel == "email" and not (source.subject or "").strip():
        raise InvalidInput(field="subject", message=_l("An e-mail template needs a subject."))
    found = check(source, brand=brand)
    row = _override(session, creditor_id, source.channel, source.locale, source.name)
    if row is None:
        row = MessageTemplate(creditor_id=creditor_id, channel=source.channel, locale=source.locale, name=source.name)
        session.add(row)
    row.text, row.subject, row.html = source.text, source.subject, source.html
    session.flush()
    return Source(**{**source.__dict__, "origin": "creditor"}), found


def delete(session: Session, creditor_id: int, channel: str, locale: str, name: str) -> bool:
    """Drop a creditor's override (the shipped template applies again); return whether there was one."""
    row = _override(session, creditor_id, channel, locale, name)
    if row is not None:
        session.delete(row)
    return row is not None


def exists(session: Session, creditor_id: int, channel: str, name: str) -> bool:
    """Whether a template of this name can be rendered for the creditor (shipped or overridden)."""
    return any(find(session, creditor_id, channel, locale, name) is not None for locale in LOCALES)


def override_names(session: Session, creditor_id: int, channel: str) -> list[str]:
    """Names the creditor has overrides for on a channel (its own variants included)."""
    query = select(MessageTemplate.name).where(MessageTemplate.creditor_id == creditor_id,
                                               MessageTemplate.channel == channel)  # fmt: skip
    return sorted(set(session.scalars(query)))
