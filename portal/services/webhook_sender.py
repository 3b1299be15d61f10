"""The outbound HTTP client for webhooks (the one seam to creditors' servers): signed POSTs sent concurrently from
one event loop over pooled keep-alive connections, never following redirects, each attempt timed and its answer
cut to 1 KB.

The loop runs on a thread of its own (so a caller that already runs an event loop in its thread can still send);
the worker's thread hands it a batch and waits for the outcomes. The connections wait in the pool between batches.
Every connection goes to an address the SSRF guard checked (netguard.GuardedResolver for names, the same check
here for IP literals, which aiohttp does not resolve).
"""

from __future__ import annotations

import asyncio
import ipaddress
import ssl
import threading
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit

import aiohttp
import certifi
from pydantic_core import to_json

from portal.models import utcnow
from portal.services import webhook_signing
from portal.services.deliveries import MAX_RETRY_AFTER, Job, Outcome
from portal.services.netguard import GuardedResolver, Resolver, UnsafeUrl, check_address

TIMEOUT_SECONDS = 15.0
CONNECT_SECONDS = 5.0
KEEPALIVE_SECONDS = 30.0
EXCERPT_BYTES = 1024
USER_AGENT = "Betal-Webhooks/1"


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
    """The exact bytes that are signed and sent (compact UTF-8 JSON)."""
    return to_json(body)


class Sender:
    """Sends claimed deliveries concurrently (at most `concurrency` requests at once) through one pooled session."""

    def __init__(self, *, allow_loopback: bool, concurrency: int = 64, resolver: Resolver | None = None) -> None:
        self.allow_loopback = allow_loopback
        self.concurrency = concurrency
        self.resolver = resolver
        self.loop = asyncio.new_event_loop()
        self._thread: threading.Thread | None = None
        self.session: aiohttp.ClientSession | None = None
        self._ip_hosts: dict[str, str | None] = {}

    def _run(self, coroutine):
        """Run a coroutine on the sender's loop (started on first use) and wait for its result."""
        if self._thread is None:
            self._thread = threading.Thread(target=self.loop.run_forever, name="webhook-sender", daemon=True)
            self._thread.start()
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result()

    def send_all(self, jobs: Sequence[Job]) -> list[tuple[Job, Outcome]]:
        """Send every job (bounded by the concurrency); return each with its outcome."""
        return list(zip(jobs, self._run(self._send_all(jobs)), strict=True))

    def send(self, job: Job) -> Outcome:
        """One signed POST; never raises."""
        [(_, outcome)] = self.send_all([job])
        return outcome

    def close(self) -> None:
        """Close the pooled connections and the loop."""
        if self.session is not None:
            self._run(self.session.close())
            self.session = None
        if self._thread is not None:
            self.loop.call_soon_threadsafe(self.loop.stop)
            self._thread.join()
            self._thread = None
        self.loop.close()

    async def _send_all(self, jobs: Sequence[Job]) -> list[Outcome]:
        """All jobs at once, at most `concurrency` of them on the wire."""
        if self.session is None:
            self.session = _session(self.allow_loopback, self.concurrency, self.resolver)
        slots = asyncio.Semaphore(self.concurrency)

        async def one(job: Job) -> Outcome:
            async with slots:
                return await self._send(job)

        return list(await asyncio.gather(*(one(job) for job in jobs)))

    async def _send(self, job: Job) -> Outcome:
        """One signed POST, timed from the moment it goes out; never raises."""
        started_at, started = utcnow(), time.perf_counter()
        refusal = self._refusal(job.url)
        if refusal is not None:
            return Outcome(started_at, None, 0, error=refusal)
        body = encode(job.body)
        headers = webhook_signing.headers(job.secrets, job.message_id, int(time.time()), body)
        headers |= {"content-type": "application/json", "user-agent": USER_AGENT}
        try:
            async with self.session.post(job.url, data=body, headers=headers, allow_redirects=False) as response:
                excerpt = await _excerpt(response)
                status, wait_header = response.status, response.headers.get("retry-after")
        except TimeoutError:
            return Outcome(started_at, None, _ms(started), error="timeout")
        except (aiohttp.ClientError, ValueError, OSError) as error:
            return Outcome(started_at, None, _ms(started), error=str(error)[:300] or type(error).__name__)
        wait = retry_after(wait_header, utcnow()) if status == 429 else None
        return Outcome(started_at, status, _ms(started), response_body=excerpt, retry_after=wait)

    def _refusal(self, url: str) -> str | None:
        """Why a URL must not be called at all (plain http without the loopback setting, an unsafe IP literal)."""
        if url.startswith("http://") and not self.allow_loopback:
            return "refused: only https URLs are allowed"
        if url not in self._ip_hosts:
            self._ip_hosts[url] = _ip_literal_refusal(url, self.allow_loopback)
        return self._ip_hosts[url]


def _ip_literal_refusal(url: str, allow_loopback: bool) -> str | None:
    """The guard's verdict on a URL whose host is an IP address (names are checked when they are resolved)."""
    try:
        host = urlsplit(url).hostname or ""
        ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        return None
    try:
        check_address(host, allow_loopback=allow_loopback)
    except UnsafeUrl as error:
        return f"refused: {error.reason}"
    return None


def _session(allow_loopback: bool, concurrency: int, resolver: Resolver | None) -> aiohttp.ClientSession:
    """The pooled, guarded session (made inside the running loop, as aiohttp asks)."""
    connector = aiohttp.TCPConnector(
        limit=concurrency,
        keepalive_timeout=KEEPALIVE_SECONDS,
        use_dns_cache=False,  # every new connection is checked against what the name resolves to now
        resolver=GuardedResolver(allow_loopback=allow_loopback, resolver=resolver),
        ssl=ssl.create_default_context(cafile=certifi.where()),
    )
    timeout = aiohttp.ClientTimeout(total=TIMEOUT_SECONDS, connect=CONNECT_SECONDS)
    # No Accept-Encoding: the logged excerpt is the first kilobyte as the receiver sent it.
    # No cookies either: what one creditor's server sets is never sent anywhere (and costs nothing to ignore).
    return aiohttp.ClientSession(
        connector=connector, timeout=timeout, skip_auto_headers=("Accept-Encoding",), auto_decompress=False,
        cookie_jar=aiohttp.DummyCookieJar(),
    )  # fmt: skip


async def _excerpt(response: aiohttp.ClientResponse) -> str:
    """The first kilobyte of the response body, read no further."""
    data = b""
    while len(data) < EXCERPT_BYTES:
        chunk = await response.content.read(EXCERPT_BYTES - len(data))
        if not chunk:
            break
        data += chunk
    return data.decode("utf-8", "replace").replace("\x00", "")


def _ms(started: float) -> int:
    """Milliseconds since a perf_counter reading."""
    return round((time.perf_counter() - started) * 1000)
