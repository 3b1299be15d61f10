"""WSGI entry point: the only module-level application (gunicorn wsgi:app, flask --app wsgi)."""

from portal import create_app

app = create_app()
