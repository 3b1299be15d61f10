"""WSGI entry point: the only module-level application (gunicorn wsgi:app, flask --app wsgi)."""

import gc

from portal import create_app

app = create_app()
# Everything made so far (modules, the app, its config and extensions) lives as long as the process: keep it
# out of the garbage collector's full passes, which otherwise walk it again and again during bulk work
# (a third of the CPU of a 1,000-case batch).
gc.freeze()
