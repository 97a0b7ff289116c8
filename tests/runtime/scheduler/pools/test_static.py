"""The static pool: every worker's instance made at load, a bounded queue, no expiry."""

from __future__ import annotations

import threading

import pytest
from wippy_runtime.errors import UNAVAILABLE, CallError
from wippy_runtime.scheduler.pools import StaticPool

from .pool_helpers import pool_of, wait_for


def test_starts_full_and_never_grows():
    pool, made, _ = pool_of({"type": "static", "workers": 3, "size": 3})
    assert isinstance(pool, StaticPool) and len(made) == 3
    assert pool.stats().instances == 3 and pool.stats().idle == 3
    pool.invoke(())
    assert len(made) == 3


def test_a_spoiled_instance_is_replaced():
    pool, made, log = pool_of({"type": "static", "workers": 1, "size": 1})
    with pytest.raises(CallError):
        pool.invoke(("trap",))
    assert log == ["close 1"] and pool.stats().replaced == 1
    assert pool.invoke(()) == (2, ())


def test_a_full_queue_fails_at_once_with_unavailable():
    pool, _, _ = pool_of({"type": "static", "workers": 1, "size": 1, "buffer": 1})
    gate = threading.Event()
    running = threading.Thread(target=pool.invoke, args=((gate,),))
    running.start()
    wait_for(lambda: pool.stats().busy != 0)
    waiting = threading.Thread(target=pool.invoke, args=((),))
    waiting.start()
    wait_for(lambda: pool.stats().queued != 0)
    with pytest.raises(CallError) as info:
        pool.invoke(())
    assert info.value.kind == UNAVAILABLE
    gate.set()
    running.join(5)
    waiting.join(5)


def test_idle_instances_do_not_expire():
    pool, _, log = pool_of({"type": "static", "workers": 2, "size": 2})
    assert pool.idle_timeout_s is None
    pool.invoke(())
    assert log == []


def test_retire_closes_idle_instances_and_the_busy_one_when_it_returns():
    pool, _, log = pool_of({"type": "static", "workers": 2, "size": 2})
    gate = threading.Event()
    t = threading.Thread(target=pool.invoke, args=((gate,),))
    t.start()
    wait_for(lambda: pool.stats().busy != 0)
    pool.retire()
    assert len(log) == 1 and not pool.closed
    gate.set()
    t.join(5)
    assert len(log) == 2 and pool.closed and pool.stats().instances == 0
