"""problem+json answers (RFC 9457) for the API, in English, naming the fields at fault."""

from __future__ import annotations

import json
from collections.abc import Iterable

from flask import Response
from flask_babel import force_locale
from pydantic import ValidationError

FieldError = dict[str, str]


def english(message: object) -> str:
    """A (lazily translated) message in English: the API speaks to developers."""
    with force_locale("en"):
        return str(message)


def body(status: int, title: str, detail: str | None = None, errors: Iterable[FieldError] | None = None) -> dict:
    """The problem document itself."""
    document: dict = {"type": "about:blank", "title": title, "status": status}
    if detail:
        document["detail"] = detail
    if errors is not None:
        document["errors"] = list(errors)
    return document


def problem(
    status: int,
    title: str,
    detail: str | None = None,
    errors: Iterable[FieldError] | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    """A problem+json response."""
    text = json.dumps(body(status, title, detail, errors), ensure_ascii=False)
    return Response(text, status, headers=headers, mimetype="application/problem+json")


def location(loc: Iterable[str | int], prefix: str = "") -> str:
    """A pydantic error location as a field path: debtor.email, invoices[0].amount."""
    path = prefix
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else str(part)
    return path or "body"


def field_errors(error: ValidationError, prefix: str = "") -> list[FieldError]:
    """Each pydantic error as {field, message}."""
    return [
        {"field": location([p for p in e["loc"] if p != "__root__"], prefix), "message": e["msg"]}
        for e in error.errors(include_url=False, include_input=False, include_context=False)
    ]
