"""The inline pool: one warm instance, calls on the caller's thread, re-entrancy without
deadlock, replacement after a spoiling error, retirement."""

from __future__ import annotations

import threading

import pytest
from wippy_runtime.errors import CallError
from wippy_runtime.scheduler.pools import Gate, InlinePool

from .pool_helpers import pool_of, wait_for


def test_starts_one_warm_instance_and_reuses_it():
    pool, made, _ = pool_of({"type": "inline"})
    assert isinstance(pool, InlinePool) and len(made) == 1
    assert pool.invoke((1,)) == (1, (1,))
    assert pool.invoke((2,)) == (1, (2,))
    stats = pool.stats()
    assert (stats.type, stats.instances, stats.calls, stats.busy) == ("inline", 1, 2, 0)


def test_a_spoiling_error_replaces_the_instance_and_a_call_error_does_not():
    pool, made, log = pool_of({"type": "inline"})
    with pytest.raises(CallError, match="boom"):
        pool.invoke(("boom",))
    assert pool.invoke(()) == (1, ())
    with pytest.raises(CallError, match="RuntimeError: trap"):
        pool.invoke(("trap",))
    assert log == ["close 1"] and pool.stats().replaced == 1
    assert pool.invoke(()) == (2, ())
    assert pool.stats().errors == 2


def test_a_reentrant_call_on_the_same_thread_gets_a_private_instance():
    pool, made, log = pool_of({"type": "inline"})
    seen = []

    def nested(_args):
        seen.append(pool.held_here())
        return pool.invoke(("inner",))

    made[0].fn = nested  # the warm instance calls back into its own entry
    assert pool.invoke(()) == (2, ("inner",))
    assert seen == [True] and log == ["close 2"]
    assert not pool.held_here()


def test_another_thread_waits_for_the_lock_instead_of_running_in_parallel():
    pool, made, _ = pool_of({"type": "inline"})
    gate = threading.Event()
    results = []
    first = threading.Thread(target=lambda: results.append(pool.invoke((gate,))))
    first.start()
    wait_for(pool.gate.busy)
    second = threading.Thread(target=lambda: results.append(pool.invoke(("second",))))
    second.start()
    wait_for(lambda: pool.stats().queued != 0)
    assert pool.stats().busy == 1 and not pool.held_here()
    gate.set()
    first.join(5)
    second.join(5)
    assert sorted(r[1][0] == "second" for r in results) == [False, True]
    assert len(made) == 1


def test_retire_closes_the_warm_instance_now_or_after_the_running_call():
    pool, _, log = pool_of({"type": "inline"})
    pool.retire()
    assert log == ["close 1"] and pool.closed and pool.stats().instances == 0

    pool, made, log = pool_of({"type": "inline"})
    gate = threading.Event()
    t = threading.Thread(target=lambda: pool.invoke((gate,)))
    t.start()
    wait_for(pool.gate.busy)
    pool.retire()
    assert log == []  # the running call still owns it
    gate.set()
    t.join(5)
    assert log == ["close 1"] and pool.closed


def test_the_observe_hook_wraps_and_restores_the_call_path():
    pool, _, _ = pool_of({"type": "inline"})
    plain = pool.invoke
    calls = []

    def wrap(inner):
        def traced(args):
            calls.append(args)
            return inner(args)
        return traced

    pool.observe(wrap)
    assert pool.invoke((5,)) == (1, (5,)) and calls == [(5,)]
    pool.observe(None)
    assert pool.invoke is plain


def test_pools_sharing_a_gate_see_a_thread_inside_either():
    gate = Gate()
    other, _, _ = pool_of({"type": "inline"}, gate=gate)
    pool, _, _ = pool_of({"type": "inline"}, gate=gate,
                         private_call=lambda args: ("private", args))
    seen = []

    def inside_other(args):  # an entry of the group calls back into a sibling entry
        seen.append(pool.held_here())
        return pool.invoke(("x",))

    other.warm.fn = inside_other
    assert other.invoke(()) == ("private", ("x",))
    assert seen == [True] and not pool.held_here()


def test_many_threads_take_turns_and_every_call_runs_once():
    pool, made, _ = pool_of({"type": "inline"})
    results: list = []
    lock = threading.Lock()

    def worker(k: int) -> None:
        for i in range(200):
            value = pool.invoke((k, i))
            with lock:
                results.append(value[1])

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(results) == sorted((k, i) for k in range(4) for i in range(200))
    assert len(made) == 1 and pool.stats().calls == 800 and not pool.gate.busy()
