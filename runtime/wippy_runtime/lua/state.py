"""A sandboxed Lua 5.4 state with Wippy's globals.

`lupa.lua54` is imported explicitly: lupa's default runtime is Lua 5.5, and wrappers from one
lupa module do not work with another (a lupa limitation). The state runs with `encoding=None`
(strings are bytes on the Python side, see convert.py) and an attribute filter that denies
Lua any access to Python objects beyond their registered Wippy methods.

The prelude removes what Wippy removes (`io`, `os` beyond time/clock/date/difftime (plus Wippy's
`os.platform == "wippy"`), `debug`, `dofile`,
`loadfile`, `package.loadlib`, bytecode `load`, `collectgarbage`), hides the metatable of
Python objects, refuses `__gc` finalizers, replaces `require` with Wippy's `_G` lookup and
routes `print` to the runtime's output. `max_memory` caps what the state may allocate (string
and table bombs fail with "Lua memory limit exceeded"; the state stays usable). It keeps private references to
`load` and `debug.traceback` for the host's own use (compiling chunks, tracebacks).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import lupa.lua54 as lupa

from ..errors import CallError, CompileError
from ..scheduler.limits import HOOK_COUNT, ExecutionGuard, LuaCheck
from . import hookable, typed
from .exposed import attribute_filter
from .host_memory import HostMemory
from .modules import errors as errors_module
from .tracebacks import clean_traceback

LuaError = lupa.LuaError
LuaMemoryError = lupa.LuaMemoryError

_PRELUDE = r"""
local sink, text_of = ...
local load, traceback, xpcall, select, tostring, concat = load, debug.traceback, xpcall, select, tostring, table.concat
local sethook, getinfo = debug.sethook, debug.getinfo
local rawget, error, type = rawget, error, type
local os_time, os_clock, os_date, os_difftime = os.time, os.clock, os.date, os.difftime

-- Python objects are userdata sharing one lupa metatable; hide it so Lua cannot call its
-- __gc (which would free the host's own functions) or replace its __index.
local pobject = getmetatable(sink)
pobject.__metatable = false

-- A method of a Python object read as a field is a Lua function, as every Wippy userdata's
-- method is (`type(err.kind) == "function"`); the attribute filter lets through method names
-- only, so whatever the lookup finds is one. The closure passes its arguments on unchanged, so
-- `obj:m(...)` and `obj.m(...)` behave as before.
do
  local index = pobject.__index
  pobject.__index = function(obj, key)
    local v = index(obj, key)
    if type(v) ~= "userdata" then return v end
    return function(...) return v(...) end
  end
end

-- Error values read as their message wherever Lua wants text: `"x: " .. err`, and the string
-- library's functions called as `string.find(err, ...)` (Wippy's errors behave so). Method
-- calls on real strings (`s:find()`) still go straight to the original library.
local function textual(v)
  local t = type(v)
  if t == "userdata" then v = text_of(v) t = type(v) end
  return v, t == "string" or t == "number"
end
pobject.__concat = function(a, b)
  local ta, oka = textual(a)
  local tb, okb = textual(b)
  if not oka then error("attempt to concatenate a " .. type(a) .. " value", 2) end
  if not okb then error("attempt to concatenate a " .. type(b) .. " value", 2) end
  return ta .. tb
end
do
  local lib = {}
  for k, f in pairs(string) do lib[k] = f end
  local make = [[local f, text_of = ... return function(s, ...)
    local t = type(s)
    if t == "userdata" then s = text_of(s) t = type(s) end
    if t ~= "string" and t ~= "number" then
      error("bad argument #1 to 'NAME' (string expected, got " .. t .. ")", 2)
    end
    return f(s, ...) end]]
  for _, name in ipairs({"find", "match", "gmatch", "gsub", "sub", "len", "lower", "upper",
                         "rep", "byte", "reverse"}) do
    local src = make:gsub("NAME", name):gsub("local f,", "local " .. name .. ","):gsub("return f%(", "return " .. name .. "(")
    lib[name] = load(src, "=string", "t")(string[name], text_of)
  end
  string = lib
end

-- `table.create(narray, nhash)` (Lua 5.5's, which Wippy has): an empty table sized for that
-- many entries. Sizing is only a hint to the allocator, so an empty table is the same value.
table.create = function(narr, nrec)
  if type(narr) ~= "number" then
    error("bad argument #1 to 'create' (number expected, got " .. type(narr) .. ")", 2)
  end
  if narr ~= math.floor(narr) then
    error("bad argument #1 to 'create' (number has no integer representation)", 2)
  end
  if narr < 0 then error("bad argument #1 to 'create' (out of range)", 2) end
  if nrec ~= nil and (type(nrec) ~= "number" or nrec < 0) then
    error("bad argument #2 to 'create' (out of range)", 2)
  end
  return {}
end

-- Wippy's primitive type names are callable casts: `integer(x)`, `number(x)`, `string(x)`,
-- `boolean(x)` give x as that type when it converts without loss (an integral float or a
-- numeric string to an integer, a number to a string...) and raise an error naming both types
-- otherwise. `string` stays the string library; calling it is the cast.
do
  local math_type, tointeger, tonumber_ = math.type, math.tointeger, tonumber
  local function fail(v, name)  -- level 4: fail < cast < __call < the caller's line
    local t = type(v)
    local shown = (t == "string" and string.format("%q", v)) or
      ((t == "number" or t == "boolean") and tostring(v)) or nil
    error("cannot cast " .. t .. (shown and (" " .. shown) or "") .. " to " .. name, 4)
  end
  local function as_integer(v)
    if type(v) == "string" then v = tonumber_(v) or v end
    if math_type(v) == "integer" then return v end
    if math_type(v) == "float" then return tointeger(v) end
    return nil
  end
  local casts = {
    integer = function(v)
      local i = as_integer(v)
      if i == nil then fail(v, "integer") end
      return i
    end,
    number = function(v)
      local n = type(v) == "number" and v or (type(v) == "string" and tonumber_(v)) or nil
      if n == nil then fail(v, "number") end
      return n
    end,
    string = function(v)
      local s, ok = textual(v)
      if not ok then fail(v, "string") end
      return type(s) == "number" and tostring(s) or s
    end,
    boolean = function(v)
      if type(v) ~= "boolean" then fail(v, "boolean") end
      return v
    end,
  }
  local function callable(name, t)
    local cast = casts[name]
    return setmetatable(t, { __call = function(_, v) local r = cast(v) return r end, __name = name })
  end
  integer, number, boolean = callable("integer", {}), callable("number", {}), callable("boolean", {})
  callable("string", string)
end

-- __gc finalizers would run at collection or state close, outside any execution's limits
-- (an endless one would hang the host); Wippy's VM has none either.
local setmetatable_ = setmetatable
setmetatable = function(t, mt)
  if type(mt) == "table" and rawget(mt, "__gc") ~= nil then
    error("setmetatable: __gc metamethods are not supported", 2)
  end
  return setmetatable_(t, mt)
end

-- What Wippy removes from the standard library.
io, debug, dofile, loadfile, collectgarbage, rawlen, loadstring = nil, nil, nil, nil, nil, nil, nil
os = { time = os_time, clock = os_clock, date = os_date, difftime = os_difftime,
       platform = "wippy" }
package = nil
python = nil
unpack = table.unpack

-- `load` of source text only: bytecode would bypass every check.
_G.load = function(chunk, chunkname, mode, ...)
  if mode ~= nil and mode ~= "t" then error("load: only text chunks are allowed", 2) end
  if type(chunk) == "string" and chunk:byte(1) == 27 then error("load: bytecode is not allowed", 2) end
  -- no env argument: the chunk sees the globals (an explicit nil would give it none)
  if select("#", ...) == 0 then return load(chunk, chunkname, "t") end
  return load(chunk, chunkname, "t", (...))
end

-- Wippy's require: a module is whatever global of that name the entry was given.
require = function(name)
  local m = rawget(_G, name)
  if m == nil then error("module '" .. tostring(name) .. "' not found", 2) end
  return m
end

print = function(...)
  local n = select("#", ...)
  local parts = {}
  for i = 1, n do parts[i] = tostring((select(i, ...))) end
  sink(concat(parts, "\t") .. "\n")
end

local host = {}
host.traceback = traceback
function host.compile(source, chunkname)
  return load(source, chunkname, "t")
end
local function handler(msg)
  if type(msg) == "string" then return traceback(msg, 2) end
  return msg
end
-- Call f with a traceback on error: returns true, results... or false, message.
function host.pcall(f, ...)
  return xpcall(f, handler, ...)
end
-- The limits/interrupt hook. Lua-level hooks are per coroutine, so every coroutine arms itself
-- when it starts (dispatcher tasks and coroutine.create/wrap alike).
local hookfn, hookcount
local trusted = setmetatable_({}, { __mode = "k" })
trusted[handler], trusted[host.pcall], trusted[host.compile] = true, true, true
-- `fn` is the host's (the dispatcher's task body): once a limit fired, it may still run the
-- few instructions that hand the error back
function host.trust(fn) trusted[fn] = true end
function host.arm(check, count)
  hookfn = function()
    local e = check()
    if e then
      local running = getinfo(2, "f")
      if running and trusted[running.func] then return end  -- the host's own frames finish
      -- From now on this coroutine checks at every instruction: code that swallows the
      -- error with pcall (`while true do pcall(f) end`) is hit again outside the pcall, so
      -- the error reaches the top. (Coroutines arm themselves afresh when they start.)
      sethook(hookfn, "", 1)
      error(e, 0)
    end
  end
  hookcount = count
  sethook(hookfn, "", count)
end
local function arm_current()
  if hookfn then sethook(hookfn, "", hookcount) end
end
host.arm_current = arm_current
local cocreate, cowrap = coroutine.create, coroutine.wrap
coroutine.create = function(f)
  return cocreate(function(...) arm_current() return f(...) end)
end
coroutine.wrap = function(f)
  return cowrap(function(...) arm_current() return f(...) end)
end
function host.pack(...)
  return select("#", ...), {...}
end
return host
"""

#: "chunk:LINE: message" as Lua reports compile and runtime errors (group 1: line, 2: text).
CHUNK_LINE = re.compile(r"^(?:\[string \"[^\"]*\"\]|[^:\s]+):(\d+):\s*(.*)$", re.S)


def _chunk_line(text: str, chunkname: str | None) -> int | None:
    """The line of Lua's "chunkname:LINE: message" when the error is in chunk `chunkname`
    (an entry's chunk is named after the entry), else None."""
    if not chunkname or not text.startswith(chunkname + ":"):
        return None
    digits = text[len(chunkname) + 1:].split(":", 1)[0]
    return int(digits) if digits.isdigit() else None


#: the host's frames out of a Lua traceback (kept under this name for the kernel's imports)
without_host_frames = clean_traceback


class LuaState:
    """One Lua state: a function.lua instance, a library host, or the kernel's session."""

    #: bytes this state may allocate (None: unlimited)
    max_memory: int | None = None
    #: rules `funcs` applies to every call from this state (a workflow's activity rules,
    #: lua/modules/workflow.py); None: calls go straight to the pipeline
    call_rules: Any = None

    def __init__(self, *, max_memory: int | None = None,
                 print_fn: Callable[[str], None] | None = None,
                 guard: ExecutionGuard | None = None) -> None:
        self.lua = lupa.LuaRuntime(
            encoding=None, unpack_returned_tuples=True, register_eval=False,
            register_builtins=False, attribute_filter=attribute_filter,
            max_memory=max_memory,
        )
        self.max_memory = max_memory
        #: what this state holds on the Python side (payloads, channel buffers)
        self.host_memory = HostMemory(self.lua, max_memory)
        self._print_fn = print_fn
        hookable.install(self.lua)  # before the prelude hides anything: see hookable.py
        host = self.lua.execute(_PRELUDE, self._print, errors_module.text_of)
        self._compile = host[b"compile"]
        self.pcall = host[b"pcall"]
        self.globals = self.lua.globals()
        self.host = host
        errors_module.install(self.lua, host[b"traceback"])
        #: the running execution's LuaCheck (interrupt generation, max_execution_ms deadline)
        self.check: LuaCheck | None = None
        #: the dispatcher driving this state now, and the await glue (scheduler/dispatcher.py)
        self.dispatcher: Any = None
        self.async_glue: Any = None
        self.pending: Any = None
        self.await_: Any = None
        self.guard = guard
        if guard is not None:
            host[b"arm"](self._hook_check, HOOK_COUNT)

    def _hook_check(self) -> Any:
        check = self.check
        err = check.error() if check is not None else None
        if err is None:
            # a process being terminated stops even in a loop that never yields
            disp = self.dispatcher
            proc = disp.process if disp is not None else None
            if proc is not None and proc.stop_reason is not None:
                return proc.stop_reason
        return err

    def start_execution(self, entry: str, limit_ms: int = 0) -> None:
        """Arm the hook for one execution: it stops on interrupt() or after `limit_ms`."""
        if self.guard is not None:
            self.check = self.guard.lua_checker(entry, limit_ms)
            self._rearm()

    def end_execution(self) -> None:
        """Disarm the hook after an execution, so that host-side Lua run on this state between
        executions (the kernel's completion and inspection) is never stopped by an interrupt
        that was meant for the execution that already ended."""
        self.check = None
        self._rearm()

    def _rearm(self) -> None:
        """Back to the normal hook count on this state's main thread (a limit that fired
        left it checking at every instruction, see the prelude's hook)."""
        if self.guard is not None:
            self.host[b"arm_current"]()

    def _print(self, text: bytes) -> None:
        if self._print_fn is not None:
            self._print_fn(text.decode("utf-8", "replace"))

    def set_print(self, fn: Callable[[str], None] | None) -> None:
        self._print_fn = fn

    def bind(self, name: str, value: Any) -> None:
        self.globals[name.encode()] = value

    def compile(self, source: str, chunkname: str, *, entry: str, file: str | None = None,
                line_offset: int | None = None) -> Any:
        """Compile a chunk; a syntax error names the entry and the line (in the file when the
        source is inline YAML: `line_offset` is the file line of source line 1)."""
        fn, message = self.try_compile(source, chunkname)
        if fn is None:
            message = message or "syntax error"
            if message.startswith(chunkname + ":"):
                message = "chunk" + message[len(chunkname):]
            m = CHUNK_LINE.match(message)
            line = int(m.group(1)) if m else None
            detail = m.group(2) if m else message
            file_line = (line_offset + line - 1) if (line and line_offset is not None) else None
            raise CompileError(f"Lua syntax error at line {line}: {detail}" if line else
                               f"Lua syntax error: {detail}", entry=entry, file=file,
                               line=file_line, field="source", source_line=line)
        return fn

    def try_compile(self, source: str, chunkname: str) -> tuple[Any, str | None]:
        """(function, None), or (None, Lua's own message, e.g. "name:2: ... near 'x'").

        Without raising: the kernel compiles a cell several ways (expression first, then
        statements) and checks whether input is complete, so a failure is an answer, not an
        error. `compile` builds its CompileError on top of this."""
        return typed.compile(self.lua, self._compile, source, chunkname)  # + Wippy's typed Lua

    def call(self, fn: Any, *args: Any, entry: str | None = None) -> tuple[Any, ...]:
        """Call a Lua function with a traceback on error; returns all its results.

        A Lua error becomes CallError (kind from a raised Wippy error value, else INTERNAL)."""
        errors_module.push_active(self.lua)
        try:
            out = self.pcall(fn, *args)
        except LuaMemoryError:
            raise self._memory_error(entry) from None
        finally:
            errors_module.pop_active()
        if type(out) is not tuple:
            out = (out,)
        return self.finish(out, entry)

    def finish(self, out: tuple[Any, ...], entry: str | None) -> tuple[Any, ...]:
        """pcall-style `(ok, results...)` -> the results, or raise CallError."""
        if out[0]:
            return out[1:]
        err = out[1] if len(out) > 1 else None
        if isinstance(err, errors_module.LuaErrorValue):
            exc = CallError(str(err), entry=entry, kind=err._kind)
            # kept whole for a funcs.call caller (kind, retryable, details); a process's EXIT
            # result names the failed entry instead (LuaErrorValue.from_exception)
            exc.raised_value = err  # type: ignore[attr-defined]
            raise exc
        if err == b"not enough memory" and self.max_memory:
            raise self._memory_error(entry)
        if isinstance(err, BaseException):
            if isinstance(err, CallError):
                if err.entry is None and entry:
                    if type(err) is CallError:  # re-render so the message names the entry
                        raise CallError(err.message, entry=entry, kind=err.kind) from None
                    err.entry = entry
                raise err
            raise CallError(f"{type(err).__name__}: {err}", entry=entry) from err
        text = without_host_frames(
            err.decode("utf-8", "replace") if isinstance(err, bytes) else str(err))
        exc = CallError(f"Lua error: {text}", entry=entry, traceback=text,
                        source_line=_chunk_line(text, entry))
        # A funcs.call caller gets Lua's own message ("entry:line: text") as `err:message()`
        # and the user's frames as `err:stack()`.
        message, trace = errors_module.split_lua_error(text)
        exc.error_value = errors_module.LuaErrorValue(message, exc.kind, entry=entry,
                                                      stack=trace)
        raise exc

    def activate(self) -> None:
        """This state runs on this thread now (until `deactivate`): Python functions Lua calls
        build their tables here (an error's details for the caller of a `funcs.call`)."""
        errors_module.push_active(self.lua)

    def deactivate(self) -> None:
        errors_module.pop_active()

    @staticmethod
    def user_traceback(text: str) -> str:
        """A Lua traceback without the host's frames."""
        return clean_traceback(text)

    def _memory_error(self, entry: str | None) -> CallError:
        # Free what the failed execution built now, so the next call starts clean.
        self.lua.gccollect()
        mib = (self.max_memory or 0) / (1024 * 1024)
        return CallError(f"Lua memory limit exceeded ({mib:g} MiB)", entry=entry)

    def close(self) -> None:
        self.host_memory.lua = None
        self.globals = None
        self.lua = None
