"""The debtor's pages: the one-click link, the case page, its documents, paying and receipts."""

from portal.debtor import answers, payments, plans, views  # noqa: F401  (importing the views registers their routes)
from portal.debtor.blueprint import bp

__all__ = ["bp"]
