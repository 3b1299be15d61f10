"""Keep one-click tokens out of every log line (development server and gunicorn access logs)."""

from __future__ import annotations

import logging
import re

from gunicorn.glogging import Logger as GunicornLogger

_TOKEN = re.compile(r"/l/[^\s\"?#]+")
REDACTED = "/l/[redacted]"


def redact(text: str) -> str:
    """Replace any one-click token in a path or log line with a marker."""
    return _TOKEN.sub(REDACTED, text)


class RedactTokensFilter(logging.Filter):
    """A logging filter that redacts tokens from the message and its arguments."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite the record in place; never drop it."""
        if isinstance(record.args, tuple):
            record.args = tuple(redact(a) if isinstance(a, str) else a for a in record.args)
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        return True


class RedactingGunicornLogger(GunicornLogger):
    """gunicorn access logger that never writes a token (request line, path or Referer)."""

    def atoms(self, resp, req, environ, request_time):
        """Return gunicorn's log atoms with tokens redacted."""
        atoms = super().atoms(resp, req, environ, request_time)
        for key in ("r", "U", "f"):
            if isinstance(atoms.get(key), str):
                atoms[key] = redact(atoms[key])
        return atoms


def install_redaction() -> None:
    """Attach the redaction filter to the loggers that write request lines."""
    for name in ("werkzeug", "gunicorn.access", "gunicorn.error"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactTokensFilter) for f in logger.filters):
            logger.addFilter(RedactTokensFilter())
