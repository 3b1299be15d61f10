"""The customer-service pages: staff login with a second factor, search, the case file, actions, audit, dashboard."""

from portal.staff import auth, decisions, labels, views  # noqa: F401  (importing the views registers their routes)
from portal.staff.blueprint import bp

__all__ = ["bp"]
