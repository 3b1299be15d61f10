"""The outbound HTTP client for webhooks (the one seam to creditors' servers): signed POSTs over pooled
connections, concurrently, never following redirects, each attempt timed and its answer cut to 1 KB."""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

import httpcore
import httpx

from portal.models import utcnow
from portal.services import webhook_signing
from portal.services.deliveries import MAX_RETRY_AFTER, Job, Outcome
from portal.services.netguard import GuardedBackend, Resolver

TIMEOUT_SECONDS = 15.0
EXCERPT_BYTES = 1024
USER_AGENT = "Betal-Webhooks/1"


class GuardedTransport(httpx.HTTPTransport):
    """httpx's pooled transport whose connections go only to addresses the SSRF guard accepted."""

    def __init__(self, *, allow_loopback: bool, max_connections: int, resolver: Resolver | None = None) -> None:
        super().__init__(
            limits=httpx.Limits(max_connections=max_connections, max_keepalive_connections=max_connections)
        )
        ssl_context = self._pool._ssl_context  # the context httpx built (certifi roots, verification on)
        self._pool = httpcore.ConnectionPool(
            ssl_context=ssl_context,
            max_connections=max_connections,
            max_keepalive_connections=max_connections,
            keepalive_expiry=30.0,
            network_backend=GuardedBackend(allow_loopback=allow_loopback, resolver=resolver),
        )


def retry_after(value: str | None, now: datetime) -> timedelta | None:
    """A Retry-After header (seconds or an HTTP date) as a wait, at most a day."""
    if not value:
        return None
    try:
        wait = timedelta(seconds=int(value.strip()))
    except ValueError:
        try:
            wait = parsedate_to_datetime(value).astimezone(UTC) - now
        except (TypeError, ValueError, IndexError):
            return None
    return min(max(wait, timedelta(0)), MAX_RETRY_AFTER)


def encode(body: dict) -> bytes:
    """The exact bytes that are signed and sent."""
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()


class Sender:
    """Sends claimed deliveries concurrently through one pooled, SSRF-guarded transport."""

    def __init__(self, *, allow_loopback: bool, concurrency: int = 16, resolver: Resolver | None = None) -> None:
        self.allow_loopback = allow_loopback
        self.transport = GuardedTransport(allow_loopback=allow_loopback, max_connections=concurrency, resolver=resolver)
        self.executor = ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="webhook")

    def send_all(self, jobs: Sequence[Job]) -> list[tuple[Job, Outcome]]:
        """Send every job at once (bounded by the pool); return each with its outcome."""
        return list(zip(jobs, self.executor.map(self.send, jobs), strict=True))

    def send(self, job: Job) -> Outcome:
        """One signed POST; never raises."""
        started_at, started = utcnow(), time.perf_counter()
        if job.url.startswith("http://") and not self.allow_loopback:
            return Outcome(started_at, None, 0, error="refused: only https URLs are allowed")
        body = encode(job.body)
        headers = webhook_signing.headers(job.secrets, job.message_id, int(time.time()), body)
        headers |= {"content-type": "application/json", "user-agent": USER_AGENT}
        timeout = {"connect": 5.0, "read": TIMEOUT_SECONDS, "write": TIMEOUT_SECONDS, "pool": TIMEOUT_SECONDS}
        try:
            request = httpx.Request("POST", job.url, content=body, headers=headers, extensions={"timeout": timeout})
            response = self.transport.handle_request(request)
            try:
                excerpt = _excerpt(response)
            finally:
                response.close()
        except httpx.TimeoutException:
            return Outcome(started_at, None, _ms(started), error="timeout")
        except (httpx.HTTPError, httpx.InvalidURL, ValueError) as error:
            return Outcome(started_at, None, _ms(started), error=str(error)[:300] or type(error).__name__)
        latency = _ms(started)
        if latency > TIMEOUT_SECONDS * 1000:
            return Outcome(started_at, response.status_code, latency, error="timeout", response_body=excerpt)
        wait = retry_after(response.headers.get("retry-after"), utcnow()) if response.status_code == 429 else None
        return Outcome(started_at, response.status_code, latency, response_body=excerpt, retry_after=wait)

    def close(self) -> None:
        """Stop the threads and close the pooled connections."""
        self.executor.shutdown(wait=True)
        self.transport.close()


def _excerpt(response: httpx.Response) -> str:
    """The first kilobyte of the response body, read no further."""
    chunks, size = [], 0
    for chunk in response.iter_raw():
        chunks.append(chunk)
        size += len(chunk)
        if size >= EXCERPT_BYTES:
            break
    return b"".join(chunks)[:EXCERPT_BYTES].decode("utf-8", "replace").replace("\x00", "")


def _ms(started: float) -> int:
    """Milliseconds since a perf_counter reading."""
    return round((time.perf_counter() - started) * 1000)
