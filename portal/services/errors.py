"""Domain errors raised by services; each blueprint maps them to an HTTP answer once."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l


class DomainError(Exception):
    """Base of every error a service raises on purpose."""

    reason = _l("Something went wrong.")

    def __init__(self, *args: object, case=None) -> None:
        super().__init__(*args)
        self.case = case


class NotFound(DomainError):
    """The thing asked for does not exist, or belongs to someone else."""

    reason = _l("We could not find what you were looking for.")


class LinkError(DomainError):
    """A one-click link that cannot open a case."""


class LinkInvalid(LinkError):
    """The link was altered, cut short, made for another purpose or never existed."""

    reason = _l("The link is not valid. It may have been cut short when it was copied.")


class LinkRevoked(LinkError):
    """The link was replaced by a newer one."""

    reason = _l("The link has been replaced by a newer one.")


class LinkExpired(LinkError):
    """The case behind the link was closed long enough ago that the link no longer opens it."""

    reason = _l("The link has expired because the case has been closed.")


class PostcodeMismatch(DomainError):
    """The postcode typed does not match the debtor's."""

    reason = _l("The postcode does not match the one we have for you. Please check it and try again.")


class InvalidInput(DomainError):
    """Input that breaks a rule; names the field so forms and the API can point at it."""

    reason = _l("Please check what you typed.")

    def __init__(self, *, field: str, message: object) -> None:
        super().__init__(field)  # the message may be lazy: formatting it needs a request's language
        self.field = field
        self.message = message


class NothingToPay(DomainError):
    """The case is settled or owes nothing, so there is nothing to pay online."""

    reason = _l("There is nothing to pay in this case.")


class PaymentInProgress(DomainError):
    """The case's current payment attempt is paid or waiting for its money; a new one would pay twice."""

    def __init__(self, attempt) -> None:
        super().__init__(attempt.public_id)
        self.attempt = attempt


class PaymentBusy(DomainError):
    """Another window keeps replacing the payment being started; the debtor should try again."""

    reason = _l("A payment is being started in another window. Please try again.")


class AttemptClosed(DomainError):
    """The payment attempt was replaced, paid or ended while its checkout was being opened."""

    def __init__(self, attempt) -> None:
        super().__init__(attempt.public_id)
        self.attempt = attempt
