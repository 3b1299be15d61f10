"""Bulk work: the garbage collector rests during a batch and runs again afterwards, however batches overlap."""

from __future__ import annotations

import gc
import threading

from portal.services.bulk import collector_paused
from tests.api_helpers import api_headers, case_body


def test_the_collector_rests_during_a_batch_and_runs_again_after_it() -> None:
    assert gc.isenabled()
    with collector_paused():
        assert not gc.isenabled()
    assert gc.isenabled()


def test_overlapping_batches_keep_the_collector_resting_until_the_last_one_ends() -> None:
    inside, release = threading.Event(), threading.Event()

    def other_batch() -> None:
        with collector_paused():
            inside.set()
            release.wait(5)

    thread = threading.Thread(target=other_batch)
    with collector_paused():
        thread.start()
        inside.wait(5)
    assert not gc.isenabled()  # the other batch is still running
    release.set()
    thread.join(5)
    assert gc.isenabled()


def test_a_collector_switched_off_before_stays_off() -> None:
    gc.disable()
    try:
        with collector_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_the_collector_runs_again_after_a_batch_with_a_bad_case(client, api_creditor) -> None:
    _, key = api_creditor
    body = {"cases": [case_body("B-1"), {"nonsense": 1}]}
    response = client.post("/api/v1/cases/batch", json=body, headers=api_headers(key))
    assert response.status_code == 200
    assert [r["status"] for r in response.json["results"]] == [201, 422]
    assert gc.isenabled()
