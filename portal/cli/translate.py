"""`flask --app wsgi translate …`: extract, update and compile the message catalogues."""

from __future__ import annotations

import click
from babel.messages.frontend import CommandLineInterface
from flask.cli import AppGroup

from portal.config import PROJECT_ROOT

group = AppGroup("translate", help="Translation catalogues (Danish first).")
TRANSLATIONS = PROJECT_ROOT / "translations"
POT = TRANSLATIONS / "messages.pot"
WIDTH = "100"  # one line width for every tool that writes the catalogues, so diffs stay small


def pybabel(*args: str) -> None:
    """Run a pybabel command in the project folder."""
    CommandLineInterface().run(["pybabel", "-q", *args])


@group.command("extract")
def extract() -> None:
    """Collect every message id from the code and templates into messages.pot."""
    pybabel(
        "extract",
        "-F",
        str(PROJECT_ROOT / "babel.cfg"),
        "-k",
        "_l",
        "--no-location",
        "--sort-output",
        "--width",
        WIDTH,
        "--project",
        "Betal",
        "-o",
        str(POT),
        str(PROJECT_ROOT),
    )
    click.echo(f"Wrote {POT.relative_to(PROJECT_ROOT)}")


@group.command("update")
def update() -> None:
    """Merge messages.pot into the Danish catalogue (new messages arrive untranslated)."""
    pybabel("update", "-i", str(POT), "-d", str(TRANSLATIONS), "--no-fuzzy-matching", "--width", WIDTH)
    click.echo("Updated the catalogues; translate the new entries, then compile.")


@group.command("compile")
def compile_() -> None:
    """Compile the .po catalogues into the .mo files the app reads."""
    pybabel("compile", "-d", str(TRANSLATIONS), "--statistics")


@group.command("init")
@click.argument("lang")
def init(lang: str) -> None:
    """Start a catalogue for a new language."""
    pybabel("init", "-i", str(POT), "-d", str(TRANSLATIONS), "-l", lang)
