"""Configuration comes from the environment; production refuses unsafe or incomplete settings."""

from __future__ import annotations

import pytest

from portal.config import ConfigError, load_config

PRODUCTION = {
    "PORTAL_ENV": "production",
    "PORTAL_SECRET_KEY": "k" * 40,
    "PORTAL_DATABASE_URL": "postgresql://portal@db/portal",
    "PORTAL_BASE_URL": "https://betal.kreditor.dk/",
    "PORTAL_PAYMENT_PROVIDER": "stripe",
    "STRIPE_SECRET_KEY": "sk_live_portal",
    "STRIPE_WEBHOOK_SECRET": "whsec_portal",
    "PORTAL_SMTP_URL": "smtp://portal:secret@smtp.kreditor.dk:587?starttls=1",
    "PORTAL_SMS_URL": "https://key@sms.gateway.example/v1/messages",
    "PORTAL_SMS_CALLBACK_SECRET": "s" * 32,
}


@pytest.fixture
def env(monkeypatch):
    """Start from an environment without any PORTAL_ or STRIPE_ variable."""
    import os

    for name in list(os.environ):
        if name.startswith(("PORTAL_", "STRIPE_")):
            monkeypatch.delenv(name)

    def set_env(values):
        for name, value in values.items():
            monkeypatch.setenv(name, value)

    return set_env


def test_production_starts_with_complete_settings(env):
    env(PRODUCTION)
    config = load_config()
    assert config.ENV_NAME == "production"
    assert config.BASE_URL == "https://betal.kreditor.dk"
    assert config.SESSION_COOKIE_SECURE and config.HSTS


@pytest.mark.parametrize("missing", ["PORTAL_SECRET_KEY", "PORTAL_DATABASE_URL", "PORTAL_BASE_URL"])
def test_production_refuses_to_start_without(env, missing):
    env({k: v for k, v in PRODUCTION.items() if k != missing})
    with pytest.raises(ConfigError, match=missing):
        load_config()


def test_production_refuses_a_short_secret_key(env):
    env({**PRODUCTION, "PORTAL_SECRET_KEY": "short"})
    with pytest.raises(ConfigError, match="32 characters"):
        load_config()


def test_production_refuses_demo_payments_unless_allowed(env):
    env({**PRODUCTION, "PORTAL_PAYMENT_PROVIDER": "demo"})
    with pytest.raises(ConfigError, match="demo payment provider"):
        load_config()
    env({"PORTAL_ALLOW_DEMO_PROVIDER": "true"})
    assert load_config().PAYMENT_PROVIDER == "demo"


def test_unknown_environment_or_provider_is_refused(env):
    env({"PORTAL_ENV": "staging"})
    with pytest.raises(ConfigError, match="PORTAL_ENV"):
        load_config()
    env({"PORTAL_ENV": "development", "PORTAL_PAYMENT_PROVIDER": "paypal"})
    with pytest.raises(ConfigError, match="PORTAL_PAYMENT_PROVIDER"):
        load_config()


def test_development_defaults_to_embedded_sqlite_and_demo_payments(env):
    config = load_config()
    assert config.DATABASE_URL.startswith("sqlite:///") and config.DATABASE_URL.endswith("instance/portal.db")
    assert config.PAYMENT_PROVIDER == "demo"
    assert config.RATELIMIT_STORAGE_URI == "memory://"


def test_settings_are_read_from_the_environment(env):
    env(
        {
            "PORTAL_SECRET_KEY_FALLBACKS": "old-1, old-2,",
            "PORTAL_REDIS_URL": "redis://127.0.0.1:6379/0",
            "PORTAL_TRUSTED_PROXIES": "1",
            "PORTAL_LINK_RATE_LIMIT": "10 per minute",
        }
    )
    config = load_config()
    assert config.SECRET_KEY_FALLBACKS == ["old-1", "old-2"]
    assert config.RATELIMIT_STORAGE_URI == "redis://127.0.0.1:6379/0"
    assert config.TRUSTED_PROXIES == 1
    assert config.LINK_RATE_LIMIT == "10 per minute"


def test_a_stripe_key_makes_stripe_the_default_provider(env):
    env(
        {
            "STRIPE_SECRET_KEY": "sk_test_portal",
            "STRIPE_WEBHOOK_SECRET": "whsec_new, whsec_old",
            "STRIPE_API_BASE": "http://127.0.0.1:12111/",
        }
    )
    config = load_config()
    assert config.PAYMENT_PROVIDER == "stripe"
    assert config.STRIPE_WEBHOOK_SECRETS == ["whsec_new", "whsec_old"]
    assert config.STRIPE_API_BASE == "http://127.0.0.1:12111"
    env({"PORTAL_PAYMENT_PROVIDER": "demo"})
    assert load_config().PAYMENT_PROVIDER == "demo"


def test_stripe_provider_is_refused_without_its_key(env):
    env({"PORTAL_PAYMENT_PROVIDER": "stripe"})
    with pytest.raises(ConfigError, match="STRIPE_SECRET_KEY"):
        load_config()


def test_production_with_stripe_refuses_to_start_without_a_webhook_secret(env):
    env({k: v for k, v in PRODUCTION.items() if k != "STRIPE_WEBHOOK_SECRET"})
    with pytest.raises(ConfigError, match="STRIPE_WEBHOOK_SECRET"):
        load_config()


@pytest.mark.parametrize("missing", ["PORTAL_SMTP_URL", "PORTAL_SMS_URL"])
def test_production_refuses_console_messages_unless_allowed(env, missing):
    env({k: v for k, v in PRODUCTION.items() if k != missing})
    with pytest.raises(ConfigError, match=missing):
        load_config()
    env({k: v for k, v in PRODUCTION.items() if k != missing} | {"PORTAL_ALLOW_CONSOLE_MESSAGES": "true"})
    assert load_config().ALLOW_CONSOLE_MESSAGES


def test_production_refuses_a_plain_http_gateway_and_one_without_a_receipt_secret(env):
    env({**PRODUCTION, "PORTAL_SMS_URL": "http://key@sms.gateway.example/v1/messages"})
    with pytest.raises(ConfigError, match="https"):
        load_config()
    env({**PRODUCTION, "PORTAL_SMS_CALLBACK_SECRET": ""})
    with pytest.raises(ConfigError, match="PORTAL_SMS_CALLBACK_SECRET"):
        load_config()


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("PORTAL_SMTP_URL", "http://mail.example"),
        ("PORTAL_SMS_URL", "ftp://x@y/z"),
        ("PORTAL_SMS_QUIET_HOURS", "9pm-8am"),
    ],
)
def test_messaging_settings_that_cannot_work_are_refused_everywhere(env, name, value):
    env({name: value})
    with pytest.raises(ConfigError, match=name):
        load_config()


def test_messaging_settings_are_read_from_the_environment(env):
    env({"PORTAL_SMS_QUIET_HOURS": "22:00-07:30", "PORTAL_MAIL_FROM": "noreply@betal.example",
         "PORTAL_SMS_TIMEOUT": "4.5"})  # fmt: skip
    config = load_config()
    assert (config.SMS_QUIET_HOURS, config.MAIL_FROM, config.SMS_TIMEOUT) == (
        "22:00-07:30",
        "noreply@betal.example",
        4.5,
    )
    assert config.SMTP_URL is None and config.SMS_URL is None  # the console providers
