"""Configuration read from the environment, with development, test and production variants."""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

PROJECT_ROOT = Path(__file__).resolve().parent.parent
INSTANCE_DIR = PROJECT_ROOT / "instance"
ENVIRONMENTS = ("development", "production", "test")
PAYMENT_PROVIDERS = ("demo", "stripe")


class ConfigError(RuntimeError):
    """Raised when the environment does not describe a runnable portal."""


def _env_list(name: str) -> list[str]:
    """Read a comma-separated environment variable as a list without blanks."""
    return [item.strip() for item in os.environ.get(name, "").split(",") if item.strip()]


def _env_flag(name: str) -> bool:
    """Read a boolean environment variable ('1', 'true', 'yes' are true)."""
    return os.environ.get(name, "").strip().lower() in {"1", "true", "yes", "on"}


class Config:
    """Settings shared by every environment; values come from the environment only."""

    ENV_NAME = "development"
    SECRET_KEY: str | None = None
    SECRET_KEY_FALLBACKS: list[str] = []
    DATABASE_URL: str | None = None
    BASE_URL: str | None = None
    PAYMENT_PROVIDER = "demo"
    ALLOW_DEMO_PROVIDER = False
    STRIPE_SECRET_KEY: str | None = None
    STRIPE_WEBHOOK_SECRETS: list[str] = []  # several during a rotation
    STRIPE_API_BASE: str | None = None  # a test or local fake instead of https://api.stripe.com
    REDIS_URL: str | None = None
    TRUSTED_PROXIES = 0

    BABEL_DEFAULT_LOCALE = "da"  # portal.i18n.DEFAULT_LANGUAGE
    BABEL_DEFAULT_TIMEZONE = "Europe/Copenhagen"
    BABEL_TRANSLATION_DIRECTORIES = str(PROJECT_ROOT / "translations")

    SESSION_COOKIE_NAME = "betal_session"
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False
    # A debtor session lasts two hours from pressing Fortsæt (not sliding: no cookie rewrite per page).
    PERMANENT_SESSION_LIFETIME = 60 * 60 * 2
    SESSION_REFRESH_EACH_REQUEST = False
    WTF_CSRF_TIME_LIMIT = None
    # Pages reached by a one-click link send no Referer (the token must not leak), so the
    # CSRF check cannot insist on one; the session-bound token does the work.
    WTF_CSRF_SSL_STRICT = False

    RATELIMIT_ENABLED = True
    LINK_RATE_LIMIT = "60 per minute"
    POSTCODE_RATE_LIMIT = "5 per 15 minutes"
    LINK_GRACE_DAYS = 30
    HSTS = False
    ACCESSIBILITY_EMAIL = "tilgaengelighed@betal.dk"
    PAGE_CACHE_SIZE = 1024
    # How long a process may keep a case stamp while the database says it is unchanged (0 = never keep).
    STAMP_CACHE_SECONDS = 10.0
    # Outbound webhooks and the worker (portal/services/worker.py).
    WEBHOOKS_ALLOW_LOOPBACK = False  # development and tests only: lets webhooks reach 127.0.0.1 over http
    WORKER_BATCH_SIZE = 500  # 500 / 64 × 15 s timeout stays well inside the lease
    WORKER_CONCURRENCY = 64  # requests in flight at once (one event loop)
    WORKER_LEASE_SECONDS = 300
    WORKER_POLL_SECONDS = 0.25
    # Staff sessions (portal/staff): signed out after this long without a request, and this long after login.
    STAFF_IDLE_MINUTES = 30
    STAFF_SESSION_HOURS = 12
    STAFF_LOGIN_RATE_LIMIT = "20 per 15 minutes"  # login and code attempts per client address
    # Dispute evidence files: stored here (outside static/) under random names; never served as static files.
    UPLOAD_DIR = str(INSTANCE_DIR / "uploads")
    # Three 5 MB files and the form fit; a larger body gets the friendly 413 page before anything is read.
    MAX_CONTENT_LENGTH = 16 * 1024 * 1024
    # SMS and e-mail (portal/providers): unset URLs mean the console providers (development).
    SMTP_URL: str | None = None
    SMS_URL: str | None = None
    SMS_TIMEOUT = 10.0
    SMS_CALLBACK_SECRET: str | None = None  # signs delivery receipts to /webhooks/sms/http
    SMS_QUIET_HOURS = "21:00-08:00"  # Europe/Copenhagen; no flow SMS inside them
    MAIL_FROM = "betal@localhost"
    ALLOW_CONSOLE_MESSAGES = False
    MESSAGES_DIR = str(INSTANCE_DIR / "messages")  # where the console providers write
    FLOW_BATCH_SIZE = 200  # cases whose flow one worker pass looks at
    FLOW_ENROL_SECONDS = 30.0  # how often a worker enrols new open cases and wakes resumed ones

    def __init__(self) -> None:
        self.SECRET_KEY = os.environ.get("PORTAL_SECRET_KEY") or self.SECRET_KEY
        self.SECRET_KEY_FALLBACKS = _env_list("PORTAL_SECRET_KEY_FALLBACKS")
        self.DATABASE_URL = os.environ.get("PORTAL_DATABASE_URL") or self.DATABASE_URL
        self.BASE_URL = (os.environ.get("PORTAL_BASE_URL") or self.BASE_URL or "").rstrip("/") or None
        self.STRIPE_SECRET_KEY = os.environ.get("STRIPE_SECRET_KEY") or self.STRIPE_SECRET_KEY
        self.STRIPE_WEBHOOK_SECRETS = _env_list("STRIPE_WEBHOOK_SECRET")
        self.STRIPE_API_BASE = (os.environ.get("STRIPE_API_BASE") or "").rstrip("/") or None
        # Stripe when a key is configured, else the embedded demo; PORTAL_PAYMENT_PROVIDER decides explicitly.
        default_provider = "stripe" if self.STRIPE_SECRET_KEY else self.PAYMENT_PROVIDER
        self.PAYMENT_PROVIDER = os.environ.get("PORTAL_PAYMENT_PROVIDER") or default_provider
        self.ALLOW_DEMO_PROVIDER = _env_flag("PORTAL_ALLOW_DEMO_PROVIDER") or self.ALLOW_DEMO_PROVIDER
        self.REDIS_URL = os.environ.get("PORTAL_REDIS_URL") or self.REDIS_URL
        self.TRUSTED_PROXIES = int(os.environ.get("PORTAL_TRUSTED_PROXIES") or self.TRUSTED_PROXIES)
        self.RATELIMIT_STORAGE_URI = self.REDIS_URL or "memory://"
        self.LINK_RATE_LIMIT = os.environ.get("PORTAL_LINK_RATE_LIMIT") or self.LINK_RATE_LIMIT
        self.ACCESSIBILITY_EMAIL = os.environ.get("PORTAL_ACCESSIBILITY_EMAIL") or self.ACCESSIBILITY_EMAIL
        self.PAGE_CACHE_SIZE = int(os.environ.get("PORTAL_PAGE_CACHE_SIZE") or self.PAGE_CACHE_SIZE)
        self.STAMP_CACHE_SECONDS = float(os.environ.get("PORTAL_STAMP_CACHE_SECONDS") or self.STAMP_CACHE_SECONDS)
        self.WEBHOOKS_ALLOW_LOOPBACK = _env_flag("PORTAL_WEBHOOKS_ALLOW_LOOPBACK") or self.WEBHOOKS_ALLOW_LOOPBACK
        self.WORKER_BATCH_SIZE = int(os.environ.get("PORTAL_WORKER_BATCH_SIZE") or self.WORKER_BATCH_SIZE)
        self.WORKER_CONCURRENCY = int(os.environ.get("PORTAL_WORKER_CONCURRENCY") or self.WORKER_CONCURRENCY)
        self.WORKER_LEASE_SECONDS = int(os.environ.get("PORTAL_WORKER_LEASE_SECONDS") or self.WORKER_LEASE_SECONDS)
        self.WORKER_POLL_SECONDS = float(os.environ.get("PORTAL_WORKER_POLL_SECONDS") or self.WORKER_POLL_SECONDS)
        self.STAFF_IDLE_MINUTES = int(os.environ.get("PORTAL_STAFF_IDLE_MINUTES") or self.STAFF_IDLE_MINUTES)
        self.STAFF_SESSION_HOURS = int(os.environ.get("PORTAL_STAFF_SESSION_HOURS") or self.STAFF_SESSION_HOURS)
        self.STAFF_LOGIN_RATE_LIMIT = os.environ.get("PORTAL_STAFF_LOGIN_RATE_LIMIT") or self.STAFF_LOGIN_RATE_LIMIT
        self.UPLOAD_DIR = os.environ.get("PORTAL_UPLOAD_DIR") or self.UPLOAD_DIR
        self._read_messaging()

    def _read_messaging(self) -> None:
        """The SMS and e-mail settings."""
        self.SMTP_URL = os.environ.get("PORTAL_SMTP_URL") or self.SMTP_URL
        self.SMS_URL = os.environ.get("PORTAL_SMS_URL") or self.SMS_URL
        self.SMS_TIMEOUT = float(os.environ.get("PORTAL_SMS_TIMEOUT") or self.SMS_TIMEOUT)
        self.SMS_CALLBACK_SECRET = os.environ.get("PORTAL_SMS_CALLBACK_SECRET") or self.SMS_CALLBACK_SECRET
        self.SMS_QUIET_HOURS = os.environ.get("PORTAL_SMS_QUIET_HOURS") or self.SMS_QUIET_HOURS
        self.MAIL_FROM = os.environ.get("PORTAL_MAIL_FROM") or self.MAIL_FROM
        self.ALLOW_CONSOLE_MESSAGES = _env_flag("PORTAL_ALLOW_CONSOLE_MESSAGES") or self.ALLOW_CONSOLE_MESSAGES
        self.MESSAGES_DIR = os.environ.get("PORTAL_MESSAGES_DIR") or self.MESSAGES_DIR
        self.FLOW_BATCH_SIZE = int(os.environ.get("PORTAL_FLOW_BATCH_SIZE") or self.FLOW_BATCH_SIZE)
        self.FLOW_ENROL_SECONDS = float(os.environ.get("PORTAL_FLOW_ENROL_SECONDS") or self.FLOW_ENROL_SECONDS)

    def validate(self) -> None:
        """Fail fast on settings that can never work, whatever the environment."""
        if self.PAYMENT_PROVIDER not in PAYMENT_PROVIDERS:
            raise ConfigError(f"PORTAL_PAYMENT_PROVIDER must be one of {', '.join(PAYMENT_PROVIDERS)}")
        if self.PAYMENT_PROVIDER == "stripe" and not self.STRIPE_SECRET_KEY:
            raise ConfigError("The stripe payment provider needs STRIPE_SECRET_KEY in the environment")
        if self.SMS_URL and urlsplit(self.SMS_URL).scheme not in ("https", "http"):
            raise ConfigError("PORTAL_SMS_URL must be an https URL such as https://apikey@gateway.example/v1/messages")
        if self.SMTP_URL and urlsplit(self.SMTP_URL).scheme not in ("smtp", "smtps"):
            raise ConfigError("PORTAL_SMTP_URL must start with smtp:// or smtps://")
        if not re.fullmatch(r"([01][0-9]|2[0-3]):[0-5][0-9]-([01][0-9]|2[0-3]):[0-5][0-9]", self.SMS_QUIET_HOURS):
            raise ConfigError("PORTAL_SMS_QUIET_HOURS must look like 21:00-08:00")


class DevelopmentConfig(Config):
    """Embedded defaults: SQLite under instance/, demo payments, console messages."""

    SECRET_KEY = "development-only-secret-key-do-not-use-in-production"  # noqa: S105 (development only)
    DATABASE_URL = f"sqlite:///{INSTANCE_DIR / 'portal.db'}"
    BASE_URL = "http://127.0.0.1:5000"
    ALLOW_DEMO_PROVIDER = True


class TestConfig(DevelopmentConfig):
    """Settings for the test suite; the database URL is given by the fixtures."""

    ENV_NAME = "test"
    TESTING = True
    SECRET_KEY = "test-secret-key"  # noqa: S105 (tests only)
    BASE_URL = "http://localhost"
    DATABASE_URL = "sqlite://"
    RATELIMIT_ENABLED = False
    UPLOAD_DIR = str(Path(tempfile.gettempdir()) / "betal-test-uploads")  # tests that look at files set their own
    FLOW_ENROL_SECONDS = 0.0
    MESSAGES_DIR = str(Path(tempfile.gettempdir()) / "betal-test-messages")


class ProductionConfig(Config):
    """Production: every secret and address must come from the environment."""

    ENV_NAME = "production"
    SESSION_COOKIE_SECURE = True
    HSTS = True

    def validate(self) -> None:
        """Refuse to start without a secret key, database, base URL, or with demo payments."""
        super().validate()
        missing = [
            name
            for name, value in (
                ("PORTAL_SECRET_KEY", self.SECRET_KEY),
                ("PORTAL_DATABASE_URL", self.DATABASE_URL),
                ("PORTAL_BASE_URL", self.BASE_URL),
            )
            if not value
        ]
        if missing:
            raise ConfigError(f"Production needs {', '.join(missing)} in the environment")
        if self.SECRET_KEY and len(self.SECRET_KEY) < 32:
            raise ConfigError("PORTAL_SECRET_KEY must be at least 32 characters in production")
        if self.PAYMENT_PROVIDER == "demo" and not self.ALLOW_DEMO_PROVIDER:
            raise ConfigError(
                "The demo payment provider is refused in production; set PORTAL_PAYMENT_PROVIDER=stripe "
                "or PORTAL_ALLOW_DEMO_PROVIDER=true for a demonstration site"
            )
        if self.WEBHOOKS_ALLOW_LOOPBACK:
            raise ConfigError("PORTAL_WEBHOOKS_ALLOW_LOOPBACK is for development and tests only")
        if self.PAYMENT_PROVIDER == "stripe" and not self.STRIPE_WEBHOOK_SECRETS:
            raise ConfigError("Production with Stripe needs STRIPE_WEBHOOK_SECRET: payments are confirmed by webhooks")
        self._validate_messaging()

    def _validate_messaging(self) -> None:
        """Real SMS and e-mail providers unless the console ones are explicitly allowed; https to the gateway."""
        console = [
            name for name, url in (("PORTAL_SMTP_URL", self.SMTP_URL), ("PORTAL_SMS_URL", self.SMS_URL)) if not url
        ]
        if console and not self.ALLOW_CONSOLE_MESSAGES:
            raise ConfigError(
                f"Production needs {' and '.join(console)} (messages would only be written to files); "
                "set PORTAL_ALLOW_CONSOLE_MESSAGES=true for a demonstration site"
            )
        if self.SMS_URL and urlsplit(self.SMS_URL).scheme != "https":
            raise ConfigError("PORTAL_SMS_URL must be https in production")
        if self.SMS_URL and not self.SMS_CALLBACK_SECRET:
            raise ConfigError("Production with an SMS gateway needs PORTAL_SMS_CALLBACK_SECRET for delivery receipts")


CONFIGS: dict[str, type[Config]] = {
    "development": DevelopmentConfig,
    "test": TestConfig,
    "production": ProductionConfig,
}


def load_config(env_name: str | None = None) -> Config:
    """Build and validate the configuration for PORTAL_ENV (default: development)."""
    name = env_name or os.environ.get("PORTAL_ENV") or "development"
    if name not in CONFIGS:
        raise ConfigError(f"PORTAL_ENV must be one of {', '.join(ENVIRONMENTS)}, not {name!r}")
    config = CONFIGS[name]()
    config.validate()
    return config
