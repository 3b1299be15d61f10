"""What a debtor may pay online: the payment methods, part payments and a payment plan's next instalment.

Every rule comes from the case's effective policy (portal.services.policy: the creditor's policy with the
case's overrides): the methods in the order they are offered (default MobilePay, then card) and the
smallest part payment in øre (None: only the whole amount can be paid). The amount still due on a
payment plan's next instalment can always be paid, part payments or not.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from portal.models import PAYMENT_METHODS
from portal.services.errors import InvalidInput, NothingToPay
from portal.services.policy import Policy

DEFAULT_METHODS = ("mobilepay", "card")
# MobilePay (through Stripe) takes Danish kroner and euro only; cards take any currency.
METHOD_CURRENCIES: dict[str, tuple[str, ...] | None] = {"mobilepay": ("DKK", "EUR"), "card": None}
METHOD_LABELS = {"mobilepay": "MobilePay", "card": _l("card"), "bank_transfer": _l("bank transfer")}


def methods(policy: Policy, currency: str) -> tuple[str, ...]:
    """The methods to offer for a case in this currency, in the creditor's order."""
    chosen = policy.payment_methods or DEFAULT_METHODS
    return tuple(
        method
        for method in dict.fromkeys(chosen)
        if method in PAYMENT_METHODS and currency in (METHOD_CURRENCIES[method] or (currency,))
    )


def partial_minimum(policy: Policy, outstanding: int) -> int | None:
    """The smallest part payment allowed, or None when only the whole outstanding amount can be paid."""
    minimum = policy.partial_payment_minimum
    if isinstance(minimum, bool) or not isinstance(minimum, int) or minimum <= 0:
        return None
    return minimum if minimum < outstanding else None


def check_payment(
    policy: Policy,
    *,
    status: str,
    outstanding: int,
    currency: str,
    amount: int,
    method: str,
    installment: int | None = None,
) -> None:
    """Refuse a payment the case or its policy does not allow (never more than is owed).

    `installment` is what is still due on the case's payment plan's next instalment, if it has one.
    """
    if status != "open" or outstanding <= 0:
        raise NothingToPay()
    if method not in methods(policy, currency):
        raise InvalidInput(field="method", message=_l("Choose one of the payment methods shown."))
    if amount == installment and 0 < amount <= outstanding:
        return
    minimum = partial_minimum(policy, outstanding)
    if amount > outstanding or amount <= 0 or (amount < outstanding and (minimum is None or amount < minimum)):
        raise InvalidInput(field="amount", message=_l("The amount is not one you can pay here."))
