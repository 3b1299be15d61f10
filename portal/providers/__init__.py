"""Payment providers behind one small interface: Stripe Checkout, or the embedded demo."""

from __future__ import annotations

from flask import Flask, current_app

from portal.providers.base import PaymentProvider
from portal.providers.demo import DemoProvider
from portal.providers.stripe import StripeProvider


def build(config) -> PaymentProvider:
    """The provider the configuration names (portal.config has already refused impossible settings)."""
    if config["PAYMENT_PROVIDER"] == StripeProvider.name:
        return StripeProvider(
            config["STRIPE_SECRET_KEY"],
            webhook_secrets=config["STRIPE_WEBHOOK_SECRETS"],
            api_base=config["STRIPE_API_BASE"],
        )
    return DemoProvider()


def init_app(app: Flask) -> None:
    """Create the app's payment provider once (no network traffic happens here)."""
    app.extensions["payment_provider"] = build(app.config)


def current() -> PaymentProvider:
    """The current app's payment provider."""
    return current_app.extensions["payment_provider"]
