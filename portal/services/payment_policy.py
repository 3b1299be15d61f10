"""What a debtor may pay online: the creditor's payment methods and whether part payments are allowed.

The creditor's policy (JSON on the creditor) may say {"payment_methods": ["mobilepay", "card"],
"partial_payment_minimum": 20000}: the methods in the order they are offered (default MobilePay, then
card) and the smallest part payment in øre (absent: only the whole amount can be paid).
"""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

from portal.models import PAYMENT_METHODS
from portal.services.errors import InvalidInput, NothingToPay

DEFAULT_METHODS = ("mobilepay", "card")
# MobilePay (through Stripe) takes Danish kroner and euro only; cards take any currency.
METHOD_CURRENCIES: dict[str, tuple[str, ...] | None] = {"mobilepay": ("DKK", "EUR"), "card": None}
METHOD_LABELS = {"mobilepay": "MobilePay", "card": _l("card"), "bank_transfer": _l("bank transfer")}


def methods(policy: dict[str, Any] | None, currency: str) -> tuple[str, ...]:
    """The methods to offer for a case in this currency, in the creditor's order."""
    chosen = (policy or {}).get("payment_methods") or DEFAULT_METHODS
    return tuple(
        method
        for method in dict.fromkeys(chosen)
        if method in PAYMENT_METHODS and currency in (METHOD_CURRENCIES[method] or (currency,))
    )


def partial_minimum(policy: dict[str, Any] | None, outstanding: int) -> int | None:
    """The smallest part payment allowed, or None when only the whole outstanding amount can be paid."""
    minimum = (policy or {}).get("partial_payment_minimum")
    if isinstance(minimum, bool) or not isinstance(minimum, int) or minimum <= 0:
        return None
    return minimum if minimum < outstanding else None


def check_payment(
    policy: dict[str, Any] | None, *, status: str, outstanding: int, currency: str, amount: int, method: str
) -> None:
    """Refuse a payment the case or the creditor's policy does not allow (never more than is owed)."""
    if status != "open" or outstanding <= 0:
        raise NothingToPay()
    if method not in methods(policy, currency):
        raise InvalidInput(field="method", message=_l("Choose one of the payment methods shown."))
    minimum = partial_minimum(policy, outstanding)
    if amount > outstanding or amount <= 0 or (amount < outstanding and (minimum is None or amount < minimum)):
        raise InvalidInput(field="amount", message=_l("The amount is not one you can pay here."))
