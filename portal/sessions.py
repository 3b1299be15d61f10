"""Flask's signed-cookie sessions, with the signing serializer built once per key set, not per request."""

from __future__ import annotations

from flask import Flask
from flask.sessions import SecureCookieSessionInterface
from itsdangerous import URLSafeTimedSerializer


class CachedSerializerSessionInterface(SecureCookieSessionInterface):
    """The standard session interface; only the serializer is reused while the keys stay the same."""

    def __init__(self) -> None:
        self._cached: tuple[tuple, URLSafeTimedSerializer | None] | None = None

    def get_signing_serializer(self, app: Flask) -> URLSafeTimedSerializer | None:
        """The serializer for the app's current secret key and fallbacks."""
        keys = (app.secret_key, tuple(app.config["SECRET_KEY_FALLBACKS"]))
        cached = self._cached
        if cached is None or cached[0] != keys:
            cached = self._cached = (keys, super().get_signing_serializer(app))
        return cached[1]
