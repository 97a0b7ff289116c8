"""The `contract` module: open a binding of a contract and call its methods.

```lua
local greeter, err = contract.open("app:greeter_impl?tenant=acme", {user = "u1"})
local text, err = greeter:greet("Ann")            -- a call to the bound function
local future, err = greeter:greet_async("Bob")    -- runs concurrently; a funcs Future
local c = contract.get("app:greeter")             -- introspection: id, methods, method
local inst = c:with_context({k = "v"}):with_options({retry = {max_attempts = 3}}):open()
```

Definitions and bindings are entries (kinds/contract_definition.py, contract_binding.py);
this module reads them from the live registry at each `get` / `open`, so a redefined entry is
seen by the next open. An opened instance keeps the binding it was opened on.

A method call is a call of the bound function through the runtime's call pipeline
(calls.py's `call_as`): the caller needs Wippy's `contract.call` on the method *and* the
pipeline's `funcs.call` on the implementing function (Wippy checks only the first; here
every call into an entry is judged the same way), the callee runs with the instance's scope
merged into its context values (and with the actor / scope of `with_actor` / `with_scope`),
and its pool, placement and limits are the function's own. Retry options (retry.py) are
applied by a Lua-side loop that parks the coroutine between attempts. `_async` runs that same
loop in a coroutine of the caller's execution and completes a funcs `Future`.

Errors are `nil, err` values naming the binding or contract: an unknown or empty id is
NotFound (as in Wippy), a malformed binding query or option is Invalid, an unbound method is
NotFound ("method 'x' not bound"), missing `context_required` keys are Invalid. A wrong
argument *type* raises Lua's "bad argument" error, as Wippy's argument checks do.

Deliberate differences from Wippy: `contract:open(binding)` refuses a binding that does not
implement that contract (Wippy would open it anyway); `contract:open(nil, scope)` uses the
scope (Wippy's reads the wrong argument); the permission checks of `with_context`
(`contract.context`) and `with_actor` / `with_scope` (`contract.security`) are made when the
wrapper opens a binding, which then returns `nil, err`, instead of `with_*` returning
`nil, err` and breaking the chained call.
"""

from __future__ import annotations

import re
import time
from functools import partial
from typing import TYPE_CHECKING, Any, TypeAlias
from urllib.parse import parse_qsl

from ...errors import INTERNAL, INVALID, NOT_FOUND, UNKNOWN, CallError
from ...retry import RetryOptionError, RetryPolicy
from ...scheduler.dispatcher import PENDING
from ...security import Actor, ExecutionContext, Scope, current
from ..convert import ConversionError, plain_args, to_lua, to_plain
from ..exposed import lua_methods
from . import lua_object
from ._common import bad_argument, lua_type, text, unwrap_identity
from .errors import LuaErrorValue
from .funcs import Future, error_value

if TYPE_CHECKING:
    from ..host import LuaHost
    from ..state import LuaState

#: the built `contract.binding` / `contract.definition` entries (kinds/contract_*.py), known
#: here by their `kind` only: the kinds package imports lua, so lua does not import it back
ContractBinding: TypeAlias = Any
ContractDefinition: TypeAlias = Any

_INT = re.compile(r"[+-]?\d+\Z")
_FLOAT = re.compile(r"[+-]?(\d+\.?\d*([eE][+-]?\d+)?|\.\d+([eE][+-]?\d+)?|inf|infinity|nan)\Z",
                    re.IGNORECASE)

# The Lua half: an instance's methods are found by name at index time (a name that is no
# method of its contracts is nil, as in Wippy), and a call loops over retries, parking the
# coroutine between attempts.
_GLUE = r"""
local await, P = ...
local setmetatable, type, tostring, error, pcall = setmetatable, type, tostring, error, pcall
local pack, unpack = table.pack, table.unpack
local spawn = coroutine.spawn
local hidden = setmetatable({}, { __mode = "k" })

local function run(py, method, ...)
  local attempt = 1
  while true do
    local v, err = await(P.call(py, method, ...))
    if err == nil then return v, nil end
    local delay = P.retry_delay(py, err, attempt)
    if delay == nil then return nil, err end
    await(P.sleep(delay))
    attempt = attempt + 1
  end
end

local function async(py, method, ...)
  local fut, err = P.start_async(py, method)
  if fut == nil then return nil, err end
  local args = pack(...)
  spawn(function()
    local ok, v, e = pcall(run, py, method, unpack(args, 1, args.n))
    if ok then P.complete(fut, v, e) else P.complete(fut, nil, v) end
  end)
  return P.future_face(fut), nil
end

local mt = {
  __index = function(self, key)
    if type(key) ~= "string" then return nil end
    local py = hidden[self]
    local method, is_async = P.method(py, key)
    if method == nil then return nil end
    if is_async then
      return function(_, ...) return async(py, method, ...) end
    end
    return function(_, ...) return run(py, method, ...) end
  end,
  __newindex = function(_, k)
    error("contract instance is read-only (cannot set " .. tostring(k) .. ")", 2)
  end,
  __name = "contract.Instance",
  __tostring = function(self) return P.describe(hidden[self]) end,
  __metatable = false,
}

local M = {}
function M.new(py)
  local face = setmetatable({}, mt)
  hidden[face] = py
  return face
end
function M.unwrap(v) if type(v) == "table" then return hidden[v] end return nil end
return M
"""


def _error(message: str, kind: str, entry: str | None = None) -> LuaErrorValue:
    return LuaErrorValue(message, kind, retryable=False, entry=entry)


def _query_value(raw: str) -> Any:
    """A binding-id query value, typed as Wippy types it: booleans, integers, floats, text."""
    if raw == "true":
        return True
    if raw == "false":
        return False
    if _INT.match(raw) and abs(int(raw)) < 1 << 63:  # Go's Atoi: an int64, else a float
        return int(raw)
    if _FLOAT.match(raw):
        return float(raw)
    return raw


def parse_binding_id(raw: str) -> tuple[str, dict[str, Any]]:
    """`"ns:binding?key=value&..."` -> ("ns:binding", {key: typed value}); the first value of
    a repeated key wins. ValueError for a query that does not parse."""
    base, sep, query = raw.partition("?")
    if not sep:
        return base, {}
    args: dict[str, Any] = {}
    for key, value in parse_qsl(query, keep_blank_values=True, strict_parsing=False,
                                errors="strict"):
        args.setdefault(key, _query_value(value))
    return base, args


def _string_keyed(value: Any, fn: str, n: int) -> dict[str, Any]:
    """A Lua table of context values -> a dict (non-string keys are skipped, as in Wippy)."""
    try:
        plain = to_plain(value)
    except ConversionError as exc:
        raise CallError(f"bad argument #{n} to '{fn}' ({exc})", kind=INVALID) from None
    if isinstance(plain, list):
        return {}
    if not isinstance(plain, dict):
        raise bad_argument(fn, n, "table", value)
    return {k: v for k, v in plain.items() if isinstance(k, str)}


class Instance:
    """An opened binding: what its method calls run with."""

    __slots__ = ("binding", "values", "actor", "scope", "policy")

    def __init__(self, binding: ContractBinding, values: dict[str, Any],
                 actor: Actor | None, scope: Scope | None, policy: RetryPolicy | None) -> None:
        self.binding = binding
        self.values = values
        self.actor = actor
        self.scope = scope
        self.policy = policy

    @property
    def binding_id(self) -> str:
        return self.binding.entry.id

    def implements(self, contract_id: str) -> bool:
        return self.binding.bound(contract_id) is not None


class ContractModule:
    """The module's Python side for one Lua state: lookups, opening, method calls."""

    def __init__(self, state: LuaState, runtime: LuaHost) -> None:
        self.state = state
        self.runtime = runtime
        self.calls = runtime.calls
        self.security = runtime.security
        lua = state.lua
        self.to_lua = partial(to_lua, lua)
        _, _, _, self.call_as, _ = self.calls.lua_entry_points(
            state, args_to_plain=plain_args, to_lua=self.to_lua, error_value=error_value)
        self.future_face = lua_object.wrapper(state, Future, "funcs.Future")
        self.contract_face = lua_object.wrapper(state, ContractWrapper, "contract.Contract")
        prims = lua.table()
        for name in ("call", "retry_delay", "sleep", "start_async", "complete", "method",
                     "describe"):
            prims[name.encode()] = getattr(self, "p_" + name)
        prims[b"future_face"] = self.future_face
        await_ = state.await_ if state.await_ is not None else lua.eval(
            "function(...) return ... end")
        self.glue = lua.execute(_GLUE, await_, prims)

    # -- lookups --------------------------------------------------------------------------
    def denied(self, action: str, resource: str, entry: str | None = None) -> Any:
        if not self.calls.checking():
            return None
        denied = self.calls.authorize(action, resource, entry=entry or resource or None)
        return None if denied is None else error_value(denied)

    def _missing(self, entry_id: str, what: str) -> LuaErrorValue:
        if not entry_id:
            return _error(f"{what} id is empty (expected \"namespace:name\")", NOT_FOUND)
        failed = self.runtime.failed.get(entry_id)
        if failed is not None:
            return _error(f"{what} '{entry_id}' failed to load: {failed[1].message}",
                          NOT_FOUND, entry_id)
        built = self.runtime.built.get(entry_id)
        if built is not None:
            return _error(f"'{entry_id}' is a {built.entry.kind}, not a {what}", NOT_FOUND,
                          entry_id)
        return _error(f"{what} '{entry_id}' not found", NOT_FOUND, entry_id)

    def definition(self, contract_id: str) -> tuple[ContractDefinition | None, Any]:
        built = self.runtime.built.get(contract_id)
        if getattr(built, "kind", None) == "contract.definition":
            return built, None
        return None, self._missing(contract_id, "contract definition")

    def binding(self, binding_id: str) -> tuple[ContractBinding | None, Any]:
        built = self.runtime.built.get(binding_id)
        if getattr(built, "kind", None) == "contract.binding":
            return built, None
        return None, self._missing(binding_id, "contract binding")

    def bindings_of(self, contract_id: str) -> list[ContractBinding]:
        return [b for b in list(self.runtime.built.values())
                if getattr(b, "kind", None) == "contract.binding"
                and b.bound(contract_id) is not None]

    def default_binding(self, contract_id: str) -> ContractBinding | None:
        defaults = [b for b in self.bindings_of(contract_id)
                    if b.bound(contract_id).default]
        return max(defaults, key=lambda b: b.order) if defaults else None

    # -- module functions -----------------------------------------------------------------
    def get(self, contract_id: Any = None, *_: Any) -> Any:
        if not isinstance(contract_id, bytes):
            raise bad_argument("get", 1, "string", contract_id)
        cid = text(contract_id)
        denied = self.denied("contract.get", cid)
        if denied is not None:
            return None, denied
        definition, err = self.definition(cid)
        if definition is None:
            return None, err
        return self.contract_face(ContractWrapper(self, definition)), None

    def open(self, binding_id: Any = None, scope: Any = None, options: Any = None,
             *_: Any) -> Any:
        if not isinstance(binding_id, bytes):
            raise bad_argument("open", 1, "string", binding_id)
        values = _string_keyed(scope, "open", 2) if lua_type(scope) == "table" else {}
        opts: dict[str, Any] | None = None
        if lua_type(options) == "table":
            opts = _string_keyed(options, "open", 3)
        return self.open_binding(text(binding_id), values, opts)

    def open_binding(self, raw_id: str, values: dict[str, Any], options: dict[str, Any] | None,
                     *, wrapper: ContractWrapper | None = None) -> Any:
        """Open `raw_id` (query parameters allowed) with scope `values` (they win over the
        wrapper's context values, which win over the query's); `nil, err` on failure."""
        try:
            base, query = parse_binding_id(raw_id)
        except ValueError as exc:
            return None, _error(f"invalid binding id {raw_id!r}: {exc}", INVALID)
        return self.open_parsed(base, query, values, options, wrapper)

    def open_parsed(self, base: str, query: dict[str, Any], values: dict[str, Any],
                    options: dict[str, Any] | None, wrapper: ContractWrapper | None) -> Any:
        denied = self.denied("contract.open", base)
        if denied is not None:
            return None, denied
        binding, err = self.binding(base)
        if binding is None:
            return None, err
        actor = scope = None
        merged = dict(query)
        if wrapper is not None:
            if not binding.bound(wrapper.definition.entry.id):
                return None, _error(f"contract binding '{base}' does not implement contract "
                                    f"'{wrapper.definition.entry.id}'", INVALID, base)
            if wrapper.values:
                denied = self.denied("contract.context", "context")
                if denied is not None:
                    return None, denied
                merged.update(wrapper.values)
            if wrapper.actor is not None or wrapper.scope is not None:
                denied = self.denied("contract.security", "security")
                if denied is not None:
                    return None, denied
            actor, scope = wrapper.actor, wrapper.scope
            if options is None:
                options = wrapper.options
        merged.update(values)
        try:
            policy = RetryPolicy.from_options(options)
        except RetryOptionError as exc:
            return None, _error(f"contract.open {base}: {exc}", INVALID, base)
        inst = Instance(binding, merged, actor, scope, policy)
        return self.glue[b"new"](inst), None

    def find_implementations(self, contract_id: Any = None, *_: Any) -> Any:
        if not isinstance(contract_id, bytes):
            raise bad_argument("find_implementations", 1, "string", contract_id)
        cid = text(contract_id)
        denied = self.denied("contract.implementations", cid)
        if denied is not None:
            return None, denied
        return self.implementations_of(cid), None

    def implementations_of(self, contract_id: str) -> Any:
        return self.to_lua([b.entry.id for b in self.bindings_of(contract_id)])

    def is_(self, instance: Any = None, contract_id: Any = None, *_: Any) -> bool:
        inst = self.glue[b"unwrap"](instance)
        if inst is None:
            if isinstance(lua_object.unwrap(self.state, instance), ContractWrapper):
                return False
            raise bad_argument("is", 1, "contract instance", instance)
        if not isinstance(contract_id, bytes):
            raise bad_argument("is", 2, "string", contract_id)
        return bool(inst.implements(text(contract_id)))

    # -- the primitives of the Lua glue ---------------------------------------------------
    def p_method(self, inst: Instance, key: bytes) -> Any:
        name = text(key)
        if inst.binding.has_method(name):
            return key, False
        if name.endswith("_async") and len(name) > 6 and inst.binding.has_method(name[:-6]):
            return key[:-6], True
        return None, False

    def _prepare(self, inst: Instance, method: bytes) -> tuple[Any, Any]:
        """(function id bytes, callee context) for a call of `method`, or (None, err)."""
        name = text(method)
        binding_id = inst.binding_id
        denied = self.denied("contract.call", name, binding_id)
        if denied is not None:
            return None, denied
        found = inst.binding.function_for(name)
        if found is None:
            return None, _error(f"method '{name}' not bound in contract binding "
                                f"'{binding_id}'", NOT_FOUND, binding_id)
        bound, fn = found
        caller = current()
        if bound.context_required:
            have = caller.values if caller is not None else {}
            missing = [k for k in bound.context_required if k not in inst.values and k not in have]
            if missing:
                return None, _error(f"contract binding '{binding_id}': missing required context "
                                    f"keys: [{', '.join(missing)}]", INVALID, binding_id)
        ctx = (caller or ExecutionContext()).derive(actor=inst.actor, scope=inst.scope,
                                                    values=inst.values)
        return fn.encode(), ctx

    def p_call(self, inst: Instance, method: bytes, *args: Any) -> Any:
        fn, ctx = self._prepare(inst, method)
        if fn is None:
            return None, ctx
        return self.call_as(ctx, fn, *args)

    def p_retry_delay(self, inst: Instance, err: Any, attempt: int) -> int | None:
        policy = inst.policy
        if policy is None:
            return None
        if isinstance(err, LuaErrorValue):
            kind = text(err.kind())
            retryable = err.retryable()
        else:
            kind, retryable = UNKNOWN, None
        return policy.delay_ns(kind, retryable, attempt)

    def p_sleep(self, ns: int) -> Any:
        disp = self.state.dispatcher
        if disp is None or disp.current is None:
            time.sleep(ns / 1e9)  # no execution to park (a bare state): wait here
            return None
        task = disp.current
        disp.call_later(ns, lambda: disp.resume(task, ()))
        return PENDING

    def p_start_async(self, inst: Instance, method: bytes) -> Any:
        disp = self.state.dispatcher
        if disp is None or disp.current is None:
            return None, _error(f"{text(method)}_async needs a running execution", INTERNAL,
                                inst.binding_id)
        fn, err = self._prepare(inst, method)  # judged now, so a denial is seen at once
        if fn is None:
            return None, err
        return Future(self.state, text(fn)), None

    def p_complete(self, fut: Future, value: Any, err: Any) -> None:
        if err is None:
            try:
                fut.complete(to_plain(value), None)
            except ConversionError as exc:
                fut.complete(None, CallError(f"result has no plain form: {exc}",
                                             entry=fut.entry, kind=INTERNAL))
            return
        message = text(err) if isinstance(err, bytes) else str(err)
        failure = CallError(message, entry=fut.entry,
                            kind=text(err.kind()) if isinstance(err, LuaErrorValue) else UNKNOWN)
        failure.error_value = err if isinstance(err, LuaErrorValue) else None
        fut.complete(None, failure)

    def p_describe(self, inst: Instance) -> bytes:
        return f"contract.Instance({inst.binding_id})".encode()


@lua_methods("id", "methods", "method", "implementations", "open", "with_context",
             "with_actor", "with_scope", "with_options")
class ContractWrapper:
    """`contract.get`'s value: a definition plus what bindings opened through it carry.
    Immutable: every `with_*` returns a new wrapper."""

    __slots__ = ("module", "definition", "values", "actor", "scope", "options")

    def __init__(self, module: ContractModule, definition: ContractDefinition,
                 values: dict[str, Any] | None = None, actor: Actor | None = None,
                 scope: Scope | None = None, options: dict[str, Any] | None = None) -> None:
        self.module = module
        self.definition = definition
        self.values = values
        self.actor = actor
        self.scope = scope
        self.options = options

    def _with(self, **changes: Any) -> Any:
        parts = {"values": self.values, "actor": self.actor, "scope": self.scope,
                 "options": self.options, **changes}
        return self.module.contract_face(ContractWrapper(self.module, self.definition, **parts))

    def id(self, *_: Any) -> bytes:
        return self.definition.entry.id.encode()

    def methods(self, *_: Any) -> Any:
        return self.module.to_lua([m.as_plain() for m in self.definition.methods])

    def method(self, name: Any = None, *_: Any) -> Any:
        if not isinstance(name, bytes):
            raise bad_argument("method", 1, "string", name)
        m = self.definition.by_name.get(text(name))
        if m is None:
            cid = self.definition.entry.id
            return None, _error(f"method '{text(name)}' not found in contract '{cid}'",
                                NOT_FOUND, cid)
        return self.module.to_lua(m.as_plain()), None

    def implementations(self, *_: Any) -> Any:
        return self.module.implementations_of(self.definition.entry.id), None

    def open(self, binding_id: Any = None, scope: Any = None, *_: Any) -> Any:
        module = self.module
        if lua_type(binding_id) == "table" and scope is None:
            binding_id, scope = None, binding_id  # c:open(scope): the default binding
        values = _string_keyed(scope, "open", 2) if lua_type(scope) == "table" else {}
        if binding_id is None:
            cid = self.definition.entry.id
            default = module.default_binding(cid)
            if default is None:
                return None, _error(f"no default binding for contract '{cid}'", NOT_FOUND, cid)
            return module.open_parsed(default.entry.id, {}, values, None, self)
        if not isinstance(binding_id, bytes):
            raise bad_argument("open", 1, "string", binding_id)
        return module.open_binding(text(binding_id), values, None, wrapper=self)

    def with_context(self, values: Any = None, *_: Any) -> Any:
        if lua_type(values) != "table":
            raise bad_argument("with_context", 1, "table", values)
        merged = dict(self.values or {})
        merged.update(_string_keyed(values, "with_context", 1))
        return self._with(values=merged)

    def with_options(self, options: Any = None, *_: Any) -> Any:
        if lua_type(options) != "table":
            raise bad_argument("with_options", 1, "table", options)
        opts = _string_keyed(options, "with_options", 1)
        try:
            RetryPolicy.from_options(opts)
        except RetryOptionError as exc:
            raise CallError(f"bad argument #1 to 'with_options' ({exc})", kind=INVALID) from None
        return self._with(options=opts)

    def with_actor(self, actor: Any = None, *_: Any) -> Any:
        return self._with(actor=unwrap_identity(actor, Actor, "with_actor", "actor"))

    def with_scope(self, scope: Any = None, *_: Any) -> Any:
        return self._with(scope=unwrap_identity(scope, Scope, "with_scope", "scope"))

    def __str__(self) -> str:
        return f"contract.Contract({self.definition.entry.id})"


def install(state: LuaState, runtime: LuaHost) -> None:
    from ._common import build

    module = ContractModule(state, runtime)
    state.bind("contract", build(state, {
        "get": module.get,
        "open": module.open,
        "find_implementations": module.find_implementations,
        "is": module.is_,
    }))
