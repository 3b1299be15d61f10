"""The creditor API under /api/v1: bearer API keys, JSON, problem+json errors, Idempotency-Key on every POST."""

from portal.api import (  # noqa: F401  (importing the views registers their routes)
    cases,
    disputes,
    events,
    messaging,
    openapi,
    plans,
    webhooks,
)
from portal.api.blueprint import bp

__all__ = ["bp"]
