"""The call pipeline: every call into an entry, from anywhere, takes these five steps.

    resolve the id -> check permission (the caller's context) -> choose where to run
    -> invoke (the target's pool) -> map errors

Callers: Lua `funcs.call` / `funcs.async` / executors (through `lua_entry_points`, with the Lua
boundary's value conversions plugged in), `Runtime.call` and the kernel's `%call` (`call`),
and the WASM `funcs` host import (`call`, errors reported against the calling entry). Values
are plain Python values here; a Lua boundary converts once on the way in and once on the way
out.

- **resolve**: the registry's live tables (`Registry.targets`, and the by-bytes table Lua ids
  arrive as); an id that names nothing gives `missing(...)`, the one wording of that error.
- **permission**: `authorize(action, resource)` is the one place a caller's permission is
  judged (`funcs.call` on the target here; a new check, like `process.spawn`, `process.send`
  or `fs.get`, is another `authorize` call with its action). It is skipped, in one test, when
  no execution context is set and strict mode is off: then everything is allowed.
- **where to run**: inline on the caller's path, the target pool's instance on this thread, or
  a worker thread while the calling Lua coroutine is parked. `hops(target, dispatcher)` is the
  one decision (the rules and their measurements: scheduler/offload.py).
- **invoke**: `target.pool.invoke(args)`; the pool picks the instance, the target's
  `map_error` turns whatever the instance raised into a CallError (the one translation); a
  boundary only renders that CallError (a Lua error value, a WIT `result` err text).
- **re-entrancy**: one rule, the pools' `held_here()` (this thread holds the pool's lock or an
  instance) plus `CHAIN` for chains that hop threads; a re-entrant call never waits for an
  instance held further up its own chain (scheduler/pools/, scheduler/offload.py).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .errors import INVALID, NOT_FOUND, PERMISSION_DENIED, CallError, GuestError
from .registry.ids import InvalidIdError, parse_id
from .registry.live import Registry
from .scheduler import offload
from .scheduler.dispatcher import PENDING
from .scheduler.offload import ALWAYS, HOP_NS, NEVER
from .scheduler.pool_config import STATIC
from .scheduler.pools.inline import InlinePool
from .security import Security, current
from .security.context import CONTEXT_VAR, ExecutionContext, call_in
from .wasm import fastcall

_UNSET: Any = object()
#: Lua values that are already plain (a Lua string is bytes and becomes str; tables convert)
_PLAIN_SCALARS = frozenset((type(None), bool, int, float))
#: plain results Lua takes as they are (str must be encoded, containers built as tables)
_LUA_SCALARS = frozenset((type(None), bool, int, float, bytes))


class Calls:
    """The pipeline of one runtime: its registry's targets and its security settings."""

    def __init__(self, registry: Registry, security: Security) -> None:
        self.registry = registry
        self.security = security
        self._targets = registry.targets
        self.by_bytes = registry.targets_by_bytes
        #: entry id (bytes) -> the compiled lane of its inline numeric pool (see `_lane`)
        self.lanes: dict[bytes, Any] = {}
        registry.on_target.append(self._lane)

    def _lane(self, target: Any) -> None:
        """Give a newly registered target a compiled lane when Lua's `funcs.call` of it can
        skip Python entirely: an inline pool whose calls never hop, whose warm instance is a
        compiled caller (a numeric core export without limits). A replaced generation's lane
        is dropped or replaced here; one left behind by a removed entry sees its pool retired
        and hands every call to the pipeline."""
        key = target.entry_id.encode()
        pool = target.pool
        if (fastcall.lanes_available() and type(pool) is InlinePool and target.offload == NEVER
                and pool.warm is not None and fastcall.is_caller(pool.warm.fn)):
            pool.lane = fastcall.new_lane(pool, pool.gate, pool.gate.free,
                                          pool.latencies.append)
            pool.bind_lane()
            self.lanes[key] = pool.lane
        else:
            self.lanes.pop(key, None)

    # -- 1. resolve -----------------------------------------------------------------------
    def resolve(self, entry_id: str) -> Any:
        """The target serving `entry_id` now; CallError when there is none."""
        target = self._targets.get(entry_id)
        if target is None:
            raise self.missing(entry_id)
        return target

    def missing(self, entry_id: object, *, prefix: str = "",
                functions_only: bool = False) -> CallError:
        """Why `entry_id` (a str, or the bytes Lua hands over) names no callable entry.

        `functions_only`: the caller sees Wippy's function registry (Lua's `funcs`), where
        an entry that is not a function is simply not found."""
        if isinstance(entry_id, bytes):
            entry_id = entry_id.decode("utf-8", "replace")
        if not isinstance(entry_id, str):
            return CallError(f"{prefix}target must be a string \"namespace:name\", got "
                             f"{type(entry_id).__name__}", kind=INVALID)
        try:
            parse_id(entry_id)
        except InvalidIdError as exc:
            return CallError(f"{prefix}{exc.message}", kind=INVALID)
        built = None if functions_only else self.registry.built.get(entry_id)
        if built is not None:
            return CallError(f"{built.entry.kind} entries are not callable", entry=entry_id,
                             kind=INVALID)
        failed = self.registry.failed.get(entry_id)
        if failed is not None and entry_id not in self.registry.built:
            # a test runner calling every test shows the load error this way
            return CallError(f"failed to load: {failed[1].message}", entry=entry_id,
                             kind=NOT_FOUND)
        return CallError("no such entry", entry=entry_id, kind=NOT_FOUND)

    # -- 2. permission --------------------------------------------------------------------
    def authorize(self, action: str, resource: str, *, entry: str | None = None,
                  ctx: ExecutionContext | None = _UNSET) -> CallError | None:
        """None when the caller (the current context, or `ctx`) may do `action` on
        `resource`; else the PERMISSION_DENIED error, reported against `entry` (default:
        the resource). The one place permissions of callers are judged."""
        if ctx is _UNSET:
            ctx = current()
        sec = self.security
        if action == "funcs.call":
            why = sec.call_denied(ctx, resource)
            target = self._targets.get(resource) if why is None else None
            if target is not None and target.call_permissions:
                # what the entry reaches on every call (a mount's fs.get), for this caller
                for act, res in target.call_permissions:
                    if not sec.allowed(act, res, None, ctx):
                        why = sec.denial(act, res, ctx)
                        break
        elif sec.allowed(action, resource, None, ctx):
            why = None
        else:
            why = sec.denial(action, resource, ctx)
        if why is None:
            return None
        return CallError(why, entry=entry or resource, kind=PERMISSION_DENIED)

    def checking(self) -> bool:
        """Is there anything to check? (No context and strict mode off: all is allowed.)"""
        return self.security.strict_mode or current() is not None

    # -- 3. where to run ------------------------------------------------------------------
    @staticmethod
    def hops(target: Any, disp: Any) -> bool:
        """Does this call, made on a dispatcher thread, run on a worker thread while the
        calling coroutine is parked? (The rules and why: scheduler/offload.py.)"""
        mode = target.offload
        if mode == NEVER or disp is None or disp.current is None:
            return False
        pool = target.pool
        if pool.held_here():
            # re-entrant (WASM -> funcs -> here): this thread holds the lock or an instance;
            # stay, the pool gives a private instance
            return False
        if mode == ALWAYS:
            return True
        if target.kind == "lua" or pool.type == STATIC or target.calls_back:
            return disp.busy()
        # lazy/adaptive WASM: a call shorter than the hop holds nobody up for long
        return pool.total_ns > pool.calls * HOP_NS and disp.busy()

    submit = staticmethod(offload.submit)

    # -- the whole pipeline, for Python callers -------------------------------------------
    def call(self, entry_id: str, args: tuple, *, ctx: ExecutionContext | None = _UNSET,
             reported_as: str | None = None) -> Any:
        """Call `entry_id` with plain `args` on this thread; return its plain value or raise
        CallError. `ctx` replaces the caller's context for the call (and everything it
        calls); `reported_as` is the entry a denial is reported against (a WASM guest's)."""
        target = self._targets.get(entry_id)
        if target is None:
            raise self.missing(entry_id)
        if ctx is _UNSET:
            if not self.checking():
                return target.pool.invoke(args)
            denied = self.authorize("funcs.call", entry_id, entry=reported_as)
            if denied is not None:
                raise denied
            return target.pool.invoke(args)
        denied = self.authorize("funcs.call", entry_id, entry=reported_as, ctx=ctx)
        if denied is not None:
            raise denied
        return call_in(ctx, target.pool.invoke, args)

    def dispatch(self, entry_id: str, args: tuple, ctx: ExecutionContext) -> Any:
        """A call the host itself makes to the entry configured to answer an inbound event
        (an HTTP endpoint's `func`): nobody's `funcs.call` permission is judged, since no
        caller chose the entry (as in Wippy, where the router is the authority), but `ctx`
        (the request's actor and scope) is what everything it calls is checked against."""
        target = self._targets.get(entry_id)
        if target is None:
            raise self.missing(entry_id)
        return call_in(ctx, target.pool.invoke, args)

    # -- the Lua boundary -----------------------------------------------------------------
    def lua_entry_points(self, state: Any, *, args_to_plain: Callable[[tuple], tuple],
                         to_lua: Callable[[Any], Any],
                         error_value: Callable[[CallError], Any],
                         on_missing: Callable[..., Any] | None = None,
                         ) -> tuple[Callable[..., Any], ...]:
        """`funcs.call` under a dispatcher, `funcs.call` without one, and the body of
        `funcs.async`, for one Lua state. The Lua side supplies its value conversions and
        how a CallError looks to Lua; results come back as `value, nil` or `nil, err`.
        `args_to_plain` raises ValueError for an argument with no plain form (a cycle, a
        function): the caller gets an INVALID "bad argument" error.

        Written out flat: this is the hot path of every Lua call (the numeric case costs
        a dict lookup, a type test per argument, one context-variable read and the pool)."""
        lookup = self.by_bytes.get
        security = self.security
        authorize = self.authorize
        hops, submit = self.hops, self.submit
        missing = self.missing
        plain_scalars, lua_scalars = _PLAIN_SCALARS, _LUA_SCALARS
        pending = PENDING

        def failure(exc: CallError) -> Any:
            if isinstance(exc, GuestError):  # a WIT result's err side: Lua gets the payload
                return to_lua(exc.payload)
            return error_value(exc)

        def not_found(target_id: Any, args: tuple, ctx: Any) -> Any:
            if on_missing is not None:  # not an entry the pipeline calls (a process)
                return on_missing(target_id, args, ctx, False)
            return None, error_value(missing(target_id, prefix="funcs.call: ",
                                             functions_only=True))

        def invoke_here(target: Any, args: tuple) -> Any:
            """Steps 4 and 5 on this thread, the result as Lua's `value, err`."""
            try:
                value = target.pool.invoke(args)
            except CallError as exc:
                return None, failure(exc)
            if type(value) in lua_scalars:
                return value, None
            return to_lua(value), None

        def run_here(target: Any, args: tuple) -> Any:
            """Steps 2, 4 and 5 on this thread (the placement said: here)."""
            if security.strict_mode or current() is not None:
                denied = authorize("funcs.call", target.entry_id)
                if denied is not None:
                    return None, error_value(denied)
            return invoke_here(target, args)

        def call_here(target_id: Any, *args: Any) -> Any:
            """`funcs.call` on this thread (no dispatcher, or a caller that cannot yield)."""
            target = lookup(target_id)
            if target is None:
                return not_found(target_id, args, None)
            for a in args:
                if type(a) not in plain_scalars:
                    try:
                        args = args_to_plain(args)
                    except ValueError as exc:
                        return None, error_value(bad_argument(exc, target))
                    break
            return run_here(target, args)

        def call(target_id: Any, *args: Any) -> Any:
            """`funcs.call` under a dispatcher: may hop to a worker (returns PENDING; the
            Lua-side await wrapper parks the coroutine until the result is posted back).
            `run_here`'s steps are repeated inline: a Python frame less on every call."""
            target = lookup(target_id)
            if target is None:
                return not_found(target_id, args, None)
            for a in args:
                if type(a) not in plain_scalars:
                    try:
                        args = args_to_plain(args)
                    except ValueError as exc:
                        return None, error_value(bad_argument(exc, target))
                    break
            if target.offload and hops(target, state.dispatcher):
                return hop(target, args)
            if security.strict_mode or current() is not None:
                denied = authorize("funcs.call", target.entry_id)
                if denied is not None:
                    return None, error_value(denied)
            try:
                value = target.pool.invoke(args)
            except CallError as exc:
                return None, failure(exc)
            if type(value) in lua_scalars:
                return value, None
            return to_lua(value), None

        def hop(target: Any, args: tuple) -> Any:
            """Steps 2 and 4 on a worker: submit, and resume the parked coroutine with the
            result (converted for Lua on this thread, when the dispatcher runs `done`)."""
            if security.strict_mode or current() is not None:
                denied = authorize("funcs.call", target.entry_id)
                if denied is not None:
                    return None, error_value(denied)
            return hop_authorized(target, args)

        def hop_authorized(target: Any, args: tuple) -> Any:
            disp = state.dispatcher
            task = disp.current

            def done(value: Any, exc: BaseException | None) -> None:
                if exc is not None:
                    disp.resume(task, (None, failure(_as_call_error(exc, target))))
                elif type(value) in lua_scalars:
                    disp.resume(task, (value, None))
                else:
                    disp.resume(task, (to_lua(value), None))

            try:
                submit(target, args, disp, done)
            except CallError as exc:
                return None, error_value(exc)
            return pending

        def prepare_async(target_id: Any, args: tuple) -> tuple[Any, tuple, Any]:
            """`funcs.async`'s steps 1-2 and the plain arguments: (target, args, dispatcher)."""
            target = lookup(target_id)
            if target is None:
                raise missing(target_id, prefix="funcs.call: ", functions_only=True)
            denied = authorize("funcs.call", target.entry_id) if (
                security.strict_mode or current() is not None) else None
            if denied is not None:
                raise denied
            disp = state.dispatcher
            if disp is None or disp.current is None:
                raise CallError("funcs.async needs a running execution", kind=INVALID)
            try:
                plain = args_to_plain(args)
            except ValueError as exc:
                raise bad_argument(exc, target) from None
            return target, plain, disp

        def start_async(target_id: Any, args: tuple,
                        complete: Callable[[Any, BaseException | None], None]) -> Any:
            """`funcs.async`: resolve, check and always hop; returns the submission."""
            target, plain, disp = prepare_async(target_id, args)
            return target, submit(target, plain, disp, complete)

        def run_authorized(target: Any, args: tuple) -> Any:
            if target.offload and hops(target, state.dispatcher):
                return hop_authorized(target, args)
            return invoke_here(target, args)

        def call_as(ctx: Any, target_id: Any, *args: Any) -> Any:
            """An executor's `:call`: `funcs.call` is judged in the caller's context (the
            current one), then the callee runs in `ctx` (the executor's actor, scope and
            values), which is what its own nested calls are judged against."""
            target = lookup(target_id)
            if target is None:
                return not_found(target_id, args, ctx)
            try:
                args = args_to_plain(args)
            except ValueError as exc:
                return None, error_value(bad_argument(exc, target))
            if security.strict_mode or current() is not None:
                denied = authorize("funcs.call", target.entry_id)
                if denied is not None:
                    return None, error_value(denied)
            return call_in(ctx, run_authorized, target, args)

        def start_async_as(ctx: Any, target_id: Any, args: tuple,
                           complete: Callable[[Any, BaseException | None], None]) -> Any:
            """An executor's `:async`: judged like `call_as`, submitted in `ctx`."""
            target, plain, disp = prepare_async(target_id, args)
            return target, call_in(ctx, submit, target, plain, disp, complete)

        if not fastcall.lanes_available() or security.strict_mode:
            # strict mode (fixed when the runtime is made) checks every call: no lanes
            return call, call_here, start_async, call_as, start_async_as

        def lane_failed(pool: Any, inst: Any, error: int, trap: int) -> Any:
            """A lane's call trapped or failed: the pool's failure rules, Lua's `nil, err`."""
            try:
                fastcall.raise_failure(error, trap)
            except BaseException as exc:  # noqa: BLE001 - every failure goes back to Lua
                try:
                    pool._failure(inst, exc, None)
                except CallError as mapped:
                    return None, failure(mapped)
            raise AssertionError("unreachable: raise_failure and _failure always raise")

        lanes = self.lanes
        return (fastcall.new_lanes(lanes, CONTEXT_VAR, security, call, lane_failed),
                fastcall.new_lanes(lanes, CONTEXT_VAR, security, call_here, lane_failed),
                start_async, call_as, start_async_as)


def bad_argument(exc: ValueError, target: Any) -> CallError:
    return CallError(f"bad argument: {exc}", entry=target.entry_id, kind=INVALID)


def _as_call_error(exc: BaseException, target: Any) -> CallError:
    """What a worker raised, as a CallError (pools already map instance errors; anything
    else is a bug of ours and still must not escape to Lua as a Python exception)."""
    if isinstance(exc, CallError):
        return exc
    return CallError(f"{type(exc).__name__}: {exc}", entry=target.entry_id)
