"""A cell ends when its work does: the coroutines it spawned run to completion too.

An entry's execution ends with its root coroutine (Wippy's rule for functions), which in a
notebook silently drops `coroutine.spawn(function() ... end)`: the cell returns before the
child ever runs. A cell therefore runs on a `CellDispatcher`, and its compiled chunk is wrapped
so that, after the chunk returns, the root parks until every spawned coroutine finished.

A spawned coroutine that can never finish (parked on a channel nobody will send to, with no
timer, worker call or message that could wake it) would hang the cell forever; when only such
coroutines are left, the cell ends and says how many it left behind.
"""

from __future__ import annotations

from typing import Any

from wippy_runtime.scheduler.dispatcher import PENDING, Dispatcher, _noop

#: seconds between two checks for "only stuck coroutines are left"
CHECK_S = 0.05

_WRAP = r"""
local wait_spawned, await, pack, unpack = ...
return function(f)
  local r = pack(f())
  await(wait_spawned())
  return unpack(r, 1, r.n)
end
"""


class CellDispatcher(Dispatcher):
    """A dispatcher whose root can wait for the other coroutines (`wait_spawned`)."""

    waiter: Any = None

    def _step(self, task: Any, values: tuple[Any, ...]) -> None:
        super()._step(task, values)
        if self.waiter is not None and self.live <= 1:
            self._wake_waiter()

    def _wake_waiter(self) -> None:
        waiter, self.waiter = self.waiter, None
        self.resume(waiter, (True,))

    def _check_stuck(self) -> None:
        if self.waiter is None:
            return
        pending_timers = [t for t in self.timers if t[2] is not _noop]
        if self.ready or self.inflight or self._external or pending_timers:
            self.call_later(int(CHECK_S * 1e9), self._check_stuck)
            return
        stuck = self.live - 1
        self.state._print(f"(the cell ended; {stuck} spawned coroutine(s) still waiting on a "
                          "channel that nothing will send to were dropped)\n".encode())
        self._wake_waiter()


def install_wait(state: Any) -> Any:
    """Bind the wait primitive; returns the Lua wrapper `finish(chunk)` a cell runs through."""

    def wait_spawned() -> Any:
        disp = state.dispatcher
        if not isinstance(disp, CellDispatcher) or disp.live <= 1:
            return True
        disp.waiter = disp.current
        disp.call_later(int(CHECK_S * 1e9), disp._check_stuck)
        return PENDING

    lua = state.lua
    table = lua.globals()[b"table"]
    return lua.execute(_WRAP, wait_spawned, state.await_, table[b"pack"], table[b"unpack"])
