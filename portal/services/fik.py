"""FI-kort (indbetalingskort) type 71 payment lines for paying by bank transfer."""

from __future__ import annotations


def fi_payment_line(creditor_number: str | None, reference: str) -> str | None:
    """The FI-kort 71 payment line (+71<payment id+creditor no<), or None without an FI creditor number."""
    if not creditor_number:
        return None
    digits = "".join(ch for ch in reference if ch.isdigit())[-14:].rjust(14, "0")
    return f"+71<{digits}{luhn_check_digit(digits)}+{creditor_number}<"


def luhn_check_digit(digits: str) -> int:
    """The modulus-10 check digit that FI-kort payment ids end with."""
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char) * (2 if index % 2 == 0 else 1)
        total += value - 9 if value > 9 else value
    return (10 - total % 10) % 10
