"""A bare Flask app answering "hello": the baseline the portal's pages are compared with."""

from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello() -> str:
    """Answer with a constant string."""
    return "hello"
