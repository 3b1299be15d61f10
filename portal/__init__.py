"""Betal, the debtor self-service portal: the application factory."""

from __future__ import annotations

from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from portal.config import PROJECT_ROOT, Config, load_config
from portal.sessions import CachedSerializerSessionInterface


def create_app(config: Config | None = None, overrides: dict[str, Any] | None = None) -> Flask:
    """Build the portal: configuration, extensions, blueprints, commands. No I/O happens here."""
    app = Flask(
        __name__,
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
        instance_path=str(PROJECT_ROOT / "instance"),
    )
    configure(app, config or load_config(), overrides or {})
    register_extensions(app)
    register_blueprints(app)
    register_commands(app)
    return app


def configure(app: Flask, config: Config, overrides: dict[str, Any]) -> None:
    """Load the settings object, then explicit overrides (tests, tools)."""
    app.config.from_object(config)
    app.config.update(overrides)
    app.session_interface = CachedSerializerSessionInterface()
    if app.config["TRUSTED_PROXIES"]:
        count = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count, x_host=count)


def register_extensions(app: Flask) -> None:
    """Wire the unbound extensions and the cross-cutting hooks."""
    from portal import db, errors, i18n, pagecache, providers, ratelimit, security, stampcache
    from portal.extensions import babel, csrf
    from portal.logging import install_redaction
    from portal.services import (
        message_tasks,  # noqa: F401 (importing it registers the messaging worker tasks)
        revisions,
    )

    db.init_app(app)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=i18n.select_locale)
    ratelimit.init_app(app)
    i18n.init_app(app)
    providers.init_app(app)
    security.init_app(app)
    pagecache.init_app(app)
    stampcache.init_app(app)
    errors.init_app(app)
    install_redaction()
    revisions.install()


def register_blueprints(app: Flask) -> None:
    """Mount one blueprint per audience."""
    from portal.api import bp as api_bp
    from portal.debtor import bp as debtor_bp
    from portal.health import bp as health_bp
    from portal.staff import bp as staff_bp
    from portal.webhooks import bp as webhooks_bp

    app.register_blueprint(health_bp)
    app.register_blueprint(debtor_bp)
    app.register_blueprint(webhooks_bp)
    app.register_blueprint(api_bp)
    app.register_blueprint(staff_bp)


def register_commands(app: Flask) -> None:
    """Add the command groups to `flask --app wsgi`."""
    from portal.cli import register

    register(app)
