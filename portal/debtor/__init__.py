"""The debtor's pages: the one-click link, the case page and its documents."""

from portal.debtor import views  # noqa: F401  (importing the views registers their routes)
from portal.debtor.blueprint import bp

__all__ = ["bp"]
