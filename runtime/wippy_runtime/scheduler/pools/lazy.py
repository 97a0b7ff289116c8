"""The lazy pool: instances are made on demand up to `max_size`, and idle ones expire.

Wippy's `type: lazy` and the pool an entry gets when it declares no `pool:` block at all (the
implicit lazy pool, up to 100 instances). Nothing exists until the first call; an instance
left idle for `LAZY_IDLE_TIMEOUT_S` is closed, so an entry nobody calls costs nothing.

One exception, decided for consistency with inline and static pools: a WASM module (or a
component's core module) with a *start function* runs guest code when it is instantiated, so
its builder (kinds/wasm_function.py) makes this pool's first instance at load and keeps it
idle, as Lua entries' lazy pools do. A start function that loops or traps then fails the
load, under the entry's `max_execution_ms` and reachable by `Runtime.interrupt()`, with an
error naming the entry and the start function, exactly as for an inline pool. Modules
without one are not instantiated at load: an instance costs about as much again as half of
the entry's whole load (bench/bench_load.py: 1.3-1.7x the load time, 0.3-0.5 ms an entry on
the shared 2-core machine), a price every lazy entry would pay for failures that need no
guest code (a data segment out of bounds, a minimum memory above the cap), which show at the
first call. An
instantiation that fails later (a new instance, after the first expired or trapped) fails
that call with the same error; the failed instance is not counted, so the pool serves the
next call (or a fixed generation of the entry) as before.
"""

from __future__ import annotations

from ..pool_config import LAZY
from .slots import SlotPool


class LazyPool(SlotPool):
    type = LAZY

    def start(self) -> None:
        """Nothing to make: instances appear with the calls that need them."""
