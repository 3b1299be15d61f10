"""Case stamps cached per process, kept true by LISTEN/NOTIFY on PostgreSQL and data_version on SQLite.

Every view of the case page first reads the case's stamp (link version, status, revision). On
PostgreSQL that round trip costs more than the rest of a cached page view, so each process keeps
the stamps it has read. Triggers (migration 0002) notify every listening process of each UPDATE
or DELETE of a case or creditor row, whoever makes it, and the process drops that stamp:

- a listener thread drains notifications as they arrive, and every lookup drains what has arrived
  before answering, so a change is seen as soon as PostgreSQL has delivered its notification;
- a commit in this process drops the stamps it changed at once, and the debtor blueprint keeps the
  revision of a debtor's own change in their session, so they see it on any worker at once;
- while the listener is not connected nothing is served from the cache (every lookup queries), a
  reconnect starts empty, and an entry lives at most `STAMP_CACHE_SECONDS` (bounding staleness even
  if a connection dies silently).

SQLite has no notifications, but `PRAGMA data_version` on a connection moves whenever any other
connection commits, and reading it costs microseconds: every lookup reads it and drops all stamps
when it moved, so on SQLite a cached stamp is never stale at all.
"""

from __future__ import annotations

import logging
import os
import select
import sqlite3
import threading
import time
import weakref
from abc import ABC, abstractmethod
from collections.abc import Iterable

import psycopg
from cachetools import LRUCache
from flask import Flask, current_app
from sqlalchemy.engine import make_url

from portal.db import get_read_connection
from portal.services import case_view, revisions
from portal.services.case_view import Record

CHANNEL = "betal_stamp"  # the channel migration 0002's triggers notify
_RECONNECT_DELAYS = (0.5, 1, 2, 5, 10)
_caches: weakref.WeakSet[StampCache] = weakref.WeakSet()
_starting = threading.Lock()
log = logging.getLogger(__name__)


class StampCache(ABC):
    """Stamps by case public id, served only while the subclass can tell when they change."""

    def __init__(self, *, max_age: float, maxsize: int = 10_000) -> None:
        self._max_age = max_age
        self._maxsize = maxsize
        self._pid: int | None = None
        _caches.add(self)

    def _start(self) -> None:
        """Set up in this process (again after a fork: locks, threads and connections do not survive one)."""
        with _starting:
            if self._pid == os.getpid():
                return  # another thread started it meanwhile
            self._lock = threading.Lock()
            self._entries: LRUCache = LRUCache(self._maxsize)
            self._generation = 0
            self._open()
            self._pid = os.getpid()

    def generation(self) -> int:
        """A counter that moves whenever entries may have gone stale; pass it back to put()."""
        if self._pid != os.getpid():
            self._start()
        return self._generation

    def get(self, public_id: str) -> Record | None:
        """The cached stamp, if changes can be told right now and the entry is fresh."""
        if self._pid != os.getpid():
            self._start()
        with self._lock:
            if not self._refresh():
                return None
            entry = self._entries.get(public_id)
        if entry is None or entry[0] < time.monotonic():
            return None
        return entry[1]

    def put(self, public_id: str, stamp: Record, generation: int) -> None:
        """Remember a stamp read when generation() was `generation`, unless something changed since."""
        with self._lock:
            if self.listening and generation == self._generation:
                self._entries[public_id] = (time.monotonic() + self._max_age, stamp)

    def evict(self, public_ids: Iterable[str], *, everything: bool = False) -> None:
        """Drop these stamps (or all of them), and refuse puts of stamps read before now."""
        if self._pid != os.getpid():
            return
        with self._lock:
            self._forget(public_ids, everything=everything)

    def _forget(self, public_ids: Iterable[str], *, everything: bool) -> None:
        """Under the lock: drop entries and move the generation."""
        self._generation += 1
        if everything:
            self._entries.clear()
        for public_id in public_ids:
            self._entries.pop(public_id, None)

    @property
    @abstractmethod
    def listening(self) -> bool:
        """Whether this process can tell when stamps change (only then are they served)."""

    @abstractmethod
    def _open(self) -> None:
        """Start watching for changes in this process."""

    @abstractmethod
    def _refresh(self) -> bool:
        """Under the lock: drop what changed; False when changes cannot be told now."""

    @abstractmethod
    def close(self) -> None:
        """Stop watching (tests; a process that ends needs not)."""


class VersionedStampCache(StampCache):
    """SQLite: stamps kept while PRAGMA data_version says no connection has committed since."""

    listening = True

    def __init__(self, path: str, *, max_age: float) -> None:
        super().__init__(max_age=max_age)
        self._path = path

    def _open(self) -> None:
        """A connection of our own that only reads data_version (it moves on other connections' commits)."""
        self._connection = sqlite3.connect(self._path, check_same_thread=False, isolation_level=None)
        self._version = None

    def _refresh(self) -> bool:
        """Under the lock: any commit anywhere since the last look drops every stamp (writes are rare)."""
        (version,) = self._connection.execute("PRAGMA data_version").fetchone()
        if version != self._version:
            self._version = version
            self._forget((), everything=True)
        return True

    def close(self) -> None:
        """Close the version connection."""
        if self._pid == os.getpid():
            self._connection.close()


class NotifiedStampCache(StampCache):
    """PostgreSQL: stamps kept while this process listens for the triggers' notifications."""

    def __init__(self, conninfo: str, *, max_age: float) -> None:
        super().__init__(max_age=max_age)
        self._conninfo = conninfo
        self._stop = threading.Event()

    def _open(self) -> None:
        """Connect in a listener thread; until it has, nothing is served."""
        self._connection: psycopg.Connection | None = None
        threading.Thread(target=self._listen, name="stamp-listener", daemon=True).start()

    @property
    def listening(self) -> bool:
        """Whether this process is connected for notifications."""
        return self._pid == os.getpid() and self._connection is not None

    def _refresh(self) -> bool:
        """Under the lock: apply the notifications that have arrived."""
        if self._connection is not None:
            self._drain()
        return self._connection is not None

    def close(self) -> None:
        """Stop listening."""
        self._stop.set()

    def _drain(self) -> None:
        """Under the lock: apply every notification that has arrived; a broken connection disables the cache."""
        try:
            self._connection.pgconn.consume_input()
            while (notify := self._connection.pgconn.notifies()) is not None:
                kind, _, key = notify.extra.decode().partition(":")
                self._forget([key], everything=kind != "case")
        except psycopg.Error:
            self._disconnect()

    def _disconnect(self) -> None:
        """Under the lock: forget everything; the listener thread reconnects."""
        self._forget((), everything=True)
        connection, self._connection = self._connection, None
        if connection is not None:
            connection.close()

    def _connect(self) -> None:
        """Open the listening connection and start serving from an empty cache."""
        connection = psycopg.connect(self._conninfo, autocommit=True, keepalives=1, keepalives_idle=30)
        connection.execute(f"LISTEN {CHANNEL}")
        with self._lock:
            self._forget((), everything=True)
            self._connection = connection

    def _listen(self) -> None:
        """The listener thread: connect, wait for notifications and drain them; reconnect after failures."""
        failures = 0
        while not self._stop.is_set():
            try:
                self._connect()
                failures = 0
                self._wait_and_drain()
            except (psycopg.Error, OSError, ValueError) as error:
                log.warning("stamp cache listener disconnected: %s", error)
                failures += 1
            with self._lock:
                self._disconnect()
            self._stop.wait(_RECONNECT_DELAYS[min(failures, len(_RECONNECT_DELAYS) - 1)])

    def _wait_and_drain(self) -> None:
        """Block until notifications arrive (or a second passes) and apply them, while connected."""
        while not self._stop.is_set():
            with self._lock:
                connection = self._connection
                if connection is None:
                    return
                fileno = connection.fileno()
            select.select([fileno], [], [], 1.0)
            with self._lock:
                if self._connection is None:
                    return
                self._drain()


def _evict_committed(changed: dict[str, int]) -> None:
    """Drop the stamps a commit in this process changed, before any notification arrives."""
    for cache in list(_caches):
        cache.evict(changed, everything=revisions.CREDITORS in changed)


def init_app(app: Flask) -> None:
    """Cache stamps when STAMP_CACHE_SECONDS > 0 (else every view reads its stamp); not for in-memory SQLite."""
    url = make_url(app.config["DATABASE_URL"])
    seconds = app.config["STAMP_CACHE_SECONDS"]
    if seconds <= 0:
        return
    if url.get_backend_name() == "postgresql":
        conninfo = url.set(drivername="postgresql").render_as_string(hide_password=False)
        app.extensions["stamp_cache"] = NotifiedStampCache(conninfo, max_age=seconds)
    elif url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        app.extensions["stamp_cache"] = VersionedStampCache(url.database, max_age=seconds)
    revisions.on_commit(_evict_committed)


def get_cache() -> StampCache | None:
    """This app's stamp cache, or None where it is off."""
    return current_app.extensions.get("stamp_cache")


def load_case(public_id: str, *, link_version: int | None, min_revision: int = 0) -> Record:
    """The case's stamp (case_view.load_case), from the cache when it holds one at min_revision or later."""
    cache = get_cache()
    if cache is None:
        return case_view.load_case(get_read_connection(), public_id, link_version=link_version)
    case = cache.get(public_id)
    if case is None or case.revision < min_revision:
        generation = cache.generation()
        case = case_view.load_case(get_read_connection(), public_id)
        cache.put(public_id, case, generation)
    case_view.check_link_version(case, link_version)
    return case
