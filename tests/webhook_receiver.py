"""A real local HTTP receiver for outbound webhook tests: records every request, answers as told."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response


@dataclass
class Received:
    """One request the receiver got."""

    path: str
    headers: dict[str, str]
    body: bytes
    at: float = field(default_factory=time.time)


class Receiver:
    """A threaded werkzeug server on 127.0.0.1; answers 200 unless a path has queued answers."""

    def __init__(self) -> None:
        self.received: list[Received] = []
        self.answers: dict[str, list[tuple[int, dict[str, str], bytes]]] = {}
        self.lock = threading.Lock()
        self.delay = 0.0  # seconds to wait before answering, to make a slow receiver
        self.server = make_server("127.0.0.1", 0, self._app, threaded=True)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path: str = "/hook") -> str:
        """The receiver's URL for a path."""
        return f"http://127.0.0.1:{self.server.server_port}{path}"

    def answer(self, path: str, status: int, headers: dict[str, str] | None = None, body: bytes = b"") -> None:
        """Queue one answer for the next request to path."""
        with self.lock:
            self.answers.setdefault(path, []).append((status, headers or {}, body))

    def at(self, path: str = "/hook") -> list[Received]:
        """What arrived at a path, in order."""
        with self.lock:
            return [r for r in self.received if r.path == path]

    def _app(self, environ, start_response):
        """Record the request and answer."""
        request = Request(environ)
        if self.delay:
            time.sleep(self.delay)
        with self.lock:
            self.received.append(Received(request.path, dict(request.headers), request.get_data()))
            queued = self.answers.get(request.path)
            status, headers, body = queued.pop(0) if queued else (200, {}, b"ok")
        return Response(body, status, headers)(environ, start_response)

    def close(self) -> None:
        """Stop serving."""
        self.server.shutdown()
        self.thread.join(timeout=5)
