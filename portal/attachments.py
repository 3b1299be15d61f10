"""Evidence files as downloads (creditor API and staff): always an attachment, never sniffed or rendered."""

from __future__ import annotations

from urllib.parse import quote

from flask import Response


def disposition(filename: str) -> str:
    """Content-Disposition: attachment with an ASCII fallback name and the UTF-8 name (RFC 6266)."""
    fallback = "".join(c if c.isascii() and c.isprintable() and c not in '"\\;' else "_" for c in filename)
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


def attachment(data: bytes, *, filename: str, content_type: str) -> Response:
    """A stored file as an attachment: no sniffing, no rendering, no scripts, not cached."""
    response = Response(data, mimetype=content_type)
    response.headers["Content-Disposition"] = disposition(filename)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["Cache-Control"] = "no-store"
    return response
