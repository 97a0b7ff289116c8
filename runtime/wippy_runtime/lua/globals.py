"""The one home of a Lua state's globals: everything a function.lua instance, a library's
importer or a notebook session gets before its own code runs.

`new_state(runtime, ...)` builds a sandboxed `LuaState` (lua/state.py) armed with the
runtime's execution guard, binds Wippy's always-present globals (`channel`, `coroutine.spawn`
and the dispatcher's await glue, `payload`, `process`, `subscribe`/`unsubscribe`) and then the requested `modules:` from
the one table of module names (`lua/modules/__init__.py` `MODULES`, one file and one
`install(state, runtime)` per module). Entries (kinds/lua_function.py) and the kernel's session
both build their states here, so a new global is added in one place.

The await glue is the Lua half of the dispatcher (scheduler/dispatcher.py): a primitive that
must wait returns the `PENDING` sentinel, and the glue yields the coroutine to the dispatcher,
which resumes it with the results once the wait completes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from ..errors import INVALID, CallError
from ..scheduler.dispatcher import MANY_RESULTS, PENDING
from .host import LuaHost
from .modules import MODULES
from .modules import channel as channel_module
from .modules import payload as payload_module
from .modules.process import install as install_process
from .modules.pubsub import install as install_pubsub
from .state import LuaState

_GLUE = r"""
local PENDING, P = ...
local yield, error, setmetatable = coroutine.yield, error, setmetatable
local function after(a, ...)
  if a == PENDING then error((...), 0) end
  return a, ...
end
-- Complete-now results pass straight through; PENDING yields to the dispatcher.
local function await(a, ...)
  if a == PENDING then return after(yield(PENDING)) end
  return a, ...
end
local function wrap(f) return function(...) return await(f(...)) end end
-- For primitives that always return two values (value, err), like funcs.call: no vararg
-- pass-through on the way back (it is every Lua call's path).
local function wrap2(f)
  return function(...)
    local a, b = f(...)
    if a == PENDING then return after(yield(PENDING)) end
    return a, b
  end
end

local Channel = {}
Channel.__index = Channel
Channel.__name = "channel"
function Channel:send(v) return await(P.ch_send(self._py, v)) end
function Channel:receive() return await(P.ch_receive(self._py)) end
function Channel:close() return P.ch_close(self._py) end
function Channel:case_send(v) return { _case = "send", channel = self, value = v } end
function Channel:case_receive() return { _case = "receive", channel = self } end
local function channel_object(py) return setmetatable({ _py = py }, Channel) end

channel = {
  new = function(size) return P.ch_new(size) end,
  select = function(cases) return await(P.select(cases)) end,
}
local arm = P.arm_current
-- lupa (2.8) moves the values a coroutine returns or yields onto the calling stack without
-- growing it: a few hundred of them crash the process. So a task's results past MANY leave
-- packed in one table (the dispatcher unpacks it), and a task-level yield of that many
-- values (which the dispatcher ignores anyway) yields none.
local MANY, MANY_MARK, select, pack = 64, P.many, select, table.pack
local function finish(...)
  if select("#", ...) <= MANY then return PENDING, ... end
  return PENDING, MANY_MARK, pack(...)
end
local tasks = setmetatable({}, { __mode = "k" })
local running = coroutine.running
local run_body = function(f, ...)
  tasks[running()] = true
  arm()
  return finish(P.pcall(f, ...))
end
local raw_yield = coroutine.yield
coroutine.yield = function(...)
  if select("#", ...) > MANY and tasks[running()] then return raw_yield() end
  return raw_yield(...)
end
-- The task's coroutine is made here, inside the running Lua code, where running out of
-- memory is an ordinary error (made from the host, by lupa, it is an unprotected one: the
-- process aborts). It is started up to a first yield, so that lupa hands it over as a
-- running coroutine; the dispatcher's first resume enters the body.
local cocreate, coresume, type_ = P.cocreate, coroutine.resume, type
local function spawned(fn)
  raw_yield()
  return run_body(fn)
end
coroutine.spawn = function(fn)
  if type_(fn) ~= "function" then
    error("bad argument #1 to 'spawn' (function expected, got " .. type_(fn) .. ")", 2)
  end
  local co = cocreate(spawned)
  coresume(co, fn)
  return P.spawn(co)
end
-- a task's own frames (they hand a fired limit's error back: lua/state.py's trusted frames)
local frames = { run_body, finish, spawned }
return { await = await, wrap = wrap, wrap2 = wrap2, channel_object = channel_object,
         body = run_body, frames = frames }
"""


def install_scheduling(state: LuaState) -> None:
    """Bind `channel`, `coroutine.spawn` and the await glue into a state (done for every
    function.lua instance; Wippy makes these globals)."""
    lua = state.lua
    pending = PENDING
    prims = lua.table()
    prims[b"pcall"] = state.pcall
    prims[b"arm_current"] = state.host[b"arm_current"]
    prims[b"cocreate"] = state.host[b"cocreate"]
    channel_module.register(state, prims)

    def spawn(thread: Any) -> Any:
        disp = state.dispatcher
        if disp is None:
            raise CallError("coroutine.spawn needs a running execution", kind=INVALID)
        return disp.adopt(thread).thread

    prims[b"spawn"] = spawn
    prims[b"many"] = MANY_RESULTS
    glue = lua.execute(_GLUE, pending, prims)
    for frame in glue[b"frames"].values():  # their return after a fired limit (lua/state.py)
        state.host[b"trust"](frame)
    state.pending = pending
    state.async_glue = glue
    state.await_ = glue[b"await"]
    payload_module.install_global(state)


_ON_FIRST_USE = r"""
local lazy, install = ...
local rawget, raw_require = rawget, require
setmetatable(_G, { __index = function(g, name)
  if lazy[name] then
    lazy[name] = nil
    install(name)
    return rawget(g, name)
  end
end })
require = function(name)
  if lazy[name] then local _ = _G[name] end
  return raw_require(name)
end
"""


def new_state(runtime: LuaHost, *, max_memory: int | None,
              print_fn: Callable[[str], None] | None = None,
              modules: Iterable[str] = (), on_first_use: Iterable[str] = ()) -> LuaState:
    """A Lua state with Wippy's globals and the named modules bound (see the docstring).

    `on_first_use`: modules bound only when Lua code first reads their global (or requires
    them), for a state that offers every module (a notebook session) without paying for the
    ones a session never touches."""
    state = LuaState(print_fn=print_fn if print_fn is not None else runtime.write_output,
                     guard=runtime.guard, max_memory=max_memory)
    install_scheduling(state)
    install_process(state, runtime)  # a Wippy global, like channel
    install_pubsub(state, runtime)  # the subscribe/unsubscribe globals
    done = {"process"}
    install_modules(state, runtime, modules, done=done)
    lazy = [name for name in on_first_use if name not in done]
    if lazy:
        def install(name: bytes) -> None:
            install_modules(state, runtime, [name.decode()], done=done)

        state.lua.execute(_ON_FIRST_USE, state.lua.table_from({n.encode(): True for n in lazy}),
                          install)
    return state


def install_modules(state: LuaState, runtime: LuaHost, modules: Iterable[str],
                    done: set[str]) -> None:
    """Bind each named module once (`done` records what a state already has)."""
    for name in modules:
        if name not in done:
            MODULES[name](state, runtime)
            done.add(name)


__all__ = ["LuaState", "install_modules", "install_scheduling", "new_state"]
