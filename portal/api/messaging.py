"""Reminder flow and message template views: read and replace the flow; read, override and reset templates."""

from __future__ import annotations

from flask import current_app, g

from portal.api.blueprint import bp
from portal.api.messaging_schemas import FlowIn, TemplateIn
from portal.api.respond import parse_body, reply, show
from portal.db import get_session
from portal.services import flows, message_templates
from portal.services.errors import NotFound


def _quiet():
    """The portal's quiet hours (a flow may set its own)."""
    return flows.parse_quiet_hours(current_app.config["SMS_QUIET_HOURS"])


def _flow_body(flow: flows.Flow) -> dict:
    """A flow as the API shows it, with a warning per SMS template that takes more than one segment."""
    warnings = []
    for step in flow.steps:
        for name in filter(None, (step.template, step.template_b)) if step.channel == "sms" else ():
            for locale in message_templates.LOCALES:
                source = message_templates.find(get_session(), g.creditor.id, "sms", locale, name)
                found = message_templates.check(source, brand=g.creditor.name) if source else None
                warnings += [f"{step.key} {name} ({locale}): {w}" for w in (found.warnings if found else [])]
    return {
        "steps": [step.as_dict() for step in flow.steps],
        "quiet_hours": {"start": flow.quiet_start.strftime("%H:%M"), "end": flow.quiet_end.strftime("%H:%M")},
        "sms_sender": flow.sms_sender,
        "is_default": flow.is_default,
        "warnings": warnings,
    }


@bp.get("/flow")
def get_flow():
    """The creditor's reminder flow (the default until one is stored)."""
    return show(_flow_body(flows.load(get_session(), g.creditor.id, quiet=_quiet())))


@bp.put("/flow")
def put_flow():
    """Replace the creditor's flow; active cases follow the new steps from their next look."""
    data = parse_body(FlowIn)
    steps = [flows.Step(s.day, s.channel, s.template, s.template_b) for s in data.steps]
    flows.save(get_session(), g.creditor, steps=steps, quiet_start=data.quiet_start, quiet_end=data.quiet_end,
               sms_sender=data.sms_sender)  # fmt: skip
    return reply(_flow_body(flows.load(get_session(), g.creditor.id, quiet=_quiet())))


def _template_body(source: message_templates.Source) -> dict:
    """A template with its SMS segment count and warnings."""
    found = message_templates.check(source, brand=g.creditor.name)
    return {"channel": source.channel, "locale": source.locale, "name": source.name, "origin": source.origin,
            "text": source.text, "subject": source.subject, "html": source.html, "segments": found.segments,
            "warnings": found.warnings}  # fmt: skip


def _path(channel: str, locale: str, name: str) -> None:
    """NotFound unless the path names a channel, language and template name that can exist."""
    if channel not in message_templates.CHANNELS or locale not in message_templates.LOCALES:
        raise NotFound()
    if not message_templates.NAME.match(name):
        raise NotFound()


@bp.get("/templates")
def list_templates():
    """Every template the creditor's messages can use: the shipped ones and its overrides."""
    session, items = get_session(), []
    for channel in message_templates.CHANNELS:
        names = sorted(set(message_templates.shipped_names(channel)) |
                       set(message_templates.override_names(session, g.creditor.id, channel)))  # fmt: skip
        for locale in message_templates.LOCALES:
            for name in names:
                source = message_templates.find(session, g.creditor.id, channel, locale, name)
                if source is not None and source.locale == locale:
                    items.append(_template_body(source))
    return show({"data": items})


@bp.get("/templates/<channel>/<locale>/<name>")
def get_template(channel: str, locale: str, name: str):
    """One template as the creditor's messages in that language use it."""
    _path(channel, locale, name)
    source = message_templates.find(get_session(), g.creditor.id, channel, locale, name)
    if source is None or source.locale != locale:
        raise NotFound()
    return show(_template_body(source))


@bp.put("/templates/<channel>/<locale>/<name>")
def put_template(channel: str, locale: str, name: str):
    """Override a template for one language (checked: it renders, holds the link; SMS length warned about)."""
    _path(channel, locale, name)
    data = parse_body(TemplateIn)
    wanted = message_templates.Source(channel, locale, name, data.text, data.subject, data.html, origin="creditor")
    source, _ = message_templates.save(get_session(), g.creditor.id, wanted, brand=g.creditor.name)
    return reply(_template_body(source))


@bp.delete("/templates/<channel>/<locale>/<name>")
def delete_template(channel: str, locale: str, name: str):
    """Drop an override: the shipped template applies again."""
    _path(channel, locale, name)
    if not message_templates.delete(get_session(), g.creditor.id, channel, locale, name):
        raise NotFound()
    get_session().commit()
    return "", 204
