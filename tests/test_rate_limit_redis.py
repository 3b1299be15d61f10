"""Rate-limit counters live in Redis when configured, so every app process and machine shares them."""

from __future__ import annotations

import os

import pytest
import redis

from portal import create_app
from portal.config import TestConfig as PortalTestConfig
from tests.conftest import dispose, make_case, token_for

REDIS_URL = os.environ.get("PORTAL_TEST_REDIS_URL")


def _app(database_url: str, storage: str):
    return create_app(
        PortalTestConfig(),
        {
            "DATABASE_URL": database_url,
            "RATELIMIT_ENABLED": True,
            "RATELIMIT_STORAGE_URI": storage,
            "LINK_RATE_LIMIT": "3 per minute",
        },
    )


def _statuses(app, path: str, times: int) -> list[int]:
    client = app.test_client()
    return [client.get(path).status_code for _ in range(times)]


@pytest.mark.skipif(not REDIS_URL, reason="Redis tests need PORTAL_TEST_REDIS_URL (e.g. redis://127.0.0.1:6379/15)")
def test_link_rate_limit_is_shared_through_redis(database_url, db):
    redis.Redis.from_url(REDIS_URL).flushdb()
    case = make_case(db)
    first = _app(database_url, REDIS_URL)
    path = f"/l/{token_for(first, case)}"
    assert _statuses(first, path, 3) == [200, 200, 200]
    second = _app(database_url, REDIS_URL)  # another process: a fresh limiter, the same Redis
    assert _statuses(second, path, 1) == [429]
    for app in (first, second):
        dispose(app)


def test_memory_counters_are_per_process(database_url, db):
    case = make_case(db)
    first = _app(database_url, "memory://")
    path = f"/l/{token_for(first, case)}"
    assert _statuses(first, path, 4) == [200, 200, 200, 429]
    second = _app(database_url, "memory://")
    assert _statuses(second, path, 1) == [200]
    for app in (first, second):
        dispose(app)
