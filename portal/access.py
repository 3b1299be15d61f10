"""Marking views public by intent; everything else must pass its blueprint's access rule."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from flask import Flask

View = TypeVar("View", bound=Callable)


def public(view: View) -> View:
    """Mark a view as reachable without a session, on purpose."""
    view.is_public = True  # type: ignore[attr-defined]
    return view


def is_public(app: Flask, endpoint: str | None) -> bool:
    """Whether the endpoint's view was marked public (static files are public too)."""
    if endpoint is None:
        return True
    if endpoint == "static":
        return True
    view = app.view_functions.get(endpoint)
    return bool(getattr(view, "is_public", False))
