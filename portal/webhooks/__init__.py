"""Inbound provider webhooks: every route is public by intent, authenticated by the provider's signature."""

from portal.webhooks import messages, views  # noqa: F401  (importing the views registers their routes)
from portal.webhooks.blueprint import bp

__all__ = ["bp"]
