"""The lazy pool: nothing at start, instances on demand up to max_size, idle ones expire."""

from __future__ import annotations

import threading

from wippy_runtime.scheduler.pool_config import IMPLICIT_LAZY_MAX
from wippy_runtime.scheduler.pools import LazyPool

from .pool_helpers import pool_of, wait_for


def test_the_implicit_pool_is_lazy_and_starts_empty():
    pool, made, _ = pool_of(None)
    assert isinstance(pool, LazyPool) and made == []
    assert pool.plan.max_instances == IMPLICIT_LAZY_MAX
    assert pool.invoke((1,)) == (1, (1,))
    assert pool.invoke((2,)) == (1, (2,))  # the idle instance is reused
    assert pool.stats().instances == 1 and pool.stats().idle == 1


def test_concurrent_calls_get_their_own_instances_up_to_max_size():
    pool, made, _ = pool_of({"type": "lazy", "max_size": 2})
    gates = [threading.Event(), threading.Event()]
    threads = [threading.Thread(target=pool.invoke, args=((g,),)) for g in gates]
    for t in threads:
        t.start()
    wait_for(lambda: pool.stats().busy >= 2)
    assert len(made) == 2 and pool.stats().instances == 2
    for g in gates:
        g.set()
    for t in threads:
        t.join(5)
    assert pool.stats().idle == 2


def test_idle_instances_expire():
    pool, _, log = pool_of({"type": "lazy"})
    pool.invoke(())
    pool.idle_timeout_s = 1e-9
    assert pool.invoke(()) == (2, ())
    assert log == ["close 1"]


def test_a_thread_holding_an_instance_gets_a_transient_one_when_full():
    pool, made, log = pool_of({"type": "lazy", "max_size": 1})

    def nested(_args):
        assert pool.held_here()
        return pool.invoke(("inner",))

    pool.invoke(())
    made[0].fn = nested
    assert pool.invoke(()) == (2, ("inner",))
    assert log == ["close 2"] and pool.stats().instances == 1


def test_ensure_instance_makes_one_for_load_time_checks():
    pool, made, _ = pool_of({"type": "lazy"})
    pool.ensure_instance()
    assert len(made) == 1 and pool.stats().idle == 1
