"""The `process` module: identity, spawning, messages, events, links, names.

Bound as a global for every Lua entry (Wippy makes `process` a global). The host side lives in
scheduler/processes.py (PIDs, threads, monitors, links, names); this module checks arguments
and permissions (Wippy's `process.spawn`, `process.send`, `process.terminate`, ... on the
target), and is the receiver side: on the receiving execution's dispatcher thread it turns
deliveries (plain data) into Lua values in its own state and puts them into the right channel:
`process.events()`, `process.listen(topic)` or `process.inbox()`; each is one channel per
process (or topic), so repeated calls return the same object. Deliveries that arrive before
the channel is asked for are kept and handed over then. A LINK_DOWN for a process that does not
trap links is not delivered: it stops the process ("linked process failed"), as in Wippy.

Errors are `nil, err` with Wippy's kinds; `with_context` / `with_options` raise on a denial, as
Wippy's Spawner does. `process.upgrade(id?, ...)` restarts the process with new (or the same)
code as the same PID.
Every function is a Lua function (`type(process.pid) == "function"`); `exec` yields.
A `workflow.lua` entry is started by the workflow engine (scheduler/workflows.py) on a
`temporal.worker` instead of a process.host; inside a workflow, spawns start child workflows
and link / monitor are rejected, as in Wippy (lua/modules/workflow.py).
"""

from __future__ import annotations

import time as _time
from typing import TYPE_CHECKING, Any

import lupa.lua54 as lupa

from ...errors import (
    ALREADY_EXISTS,
    INTERNAL,
    INVALID,
    NOT_FOUND,
    PERMISSION_DENIED,
    CallError,
)
from ...scheduler.dispatcher import PENDING, current
from ...scheduler.processes import (
    CANCEL,
    DEFAULT_MAX_PER_CALLER,
    DEFAULT_MAX_PROCESSES,
    EXIT,
    LINK_DOWN,
    Process,
    ProcessHost,
    Upgrade,
)
from ...scheduler.workflows import engine_of
from ...security import current as current_context
from ..convert import ConversionError, to_lua, to_plain
from ..exposed import lua_methods
from . import lua_object, process_exec, workflow
from .channel import Channel, lua_channel
from .errors import LuaErrorValue
from .payload import Payload
from .process_spawner import Spawner

if TYPE_CHECKING:
    from ..host import LuaHost
    from ..state import LuaState


@lua_methods("topic", "from", "payload")
class Message:
    __slots__ = ("_topic", "_from", "_payload")

    def __init__(self, topic: str, sender: str | None, payload: Payload) -> None:
        self._topic, self._from, self._payload = topic, sender, payload

    def topic(self, *_: Any) -> bytes:
        return self._topic.encode()

    def from_(self, *_: Any) -> bytes | None:
        return self._from.encode() if self._from else None

    def payload(self, *_: Any) -> Payload:
        return self._payload


class _Receiver:
    """Per-PID receiving state (dispatcher thread only)."""

    def __init__(self, state: LuaState) -> None:
        self.state = state
        self.events: Channel | None = None
        self.inbox: Channel | None = None
        self.listeners: dict[str, tuple[Channel, bool]] = {}
        self.early_events: list[dict[str, Any]] = []
        self.early_msgs: list[tuple[str | None, str, list[Any]]] = []


def _receiver(proc: Process) -> _Receiver:
    if proc.module_state is None:
        assert proc.dispatcher is not None
        proc.module_state = _Receiver(proc.dispatcher.state)
    return proc.module_state


def _event_table(lua: Any, ev: dict[str, Any]) -> Any:
    t = lua.table()
    for key in ("kind", "from", "at"):
        if ev.get(key) is not None:
            t[key.encode()] = to_lua(lua, ev[key])
    if "reason" in ev:
        t[b"reason"] = to_lua(lua, ev["reason"])
    result = ev.get("result")
    if result is not None:
        r = lua.table()
        if "error" in result:
            exc = result["error"]
            value = getattr(exc, "error_value", None)
            r[b"error"] = value if value is not None else LuaErrorValue.from_exception(exc)
        else:
            r[b"value"] = to_lua(lua, result.get("value"))
        t[b"result"] = r
    return t


def _on_event(proc: Process, ev: dict[str, Any]) -> None:
    if ev.get("kind") == LINK_DOWN and not proc.trap_links:
        # Wippy: without trap_links a failed link makes this process fail too, silently.
        proc.stop(CallError("linked process failed", entry=proc.entry))
        return
    rc = _receiver(proc)
    if rc.events is None:
        rc.early_events.append(ev)
    else:
        rc.events.deliver(_event_table(rc.state.lua, ev))


def _deliver_message(rc: _Receiver, sender: str | None, topic: str, payloads: list[Any]) -> bool:
    lua = rc.state.lua
    value = payloads[0] if payloads else None
    listener = rc.listeners.get(topic)
    if listener is not None:
        ch, as_message = listener
        ch.deliver(Message(topic, sender, Payload(lua, value)) if as_message
                   else to_lua(lua, value))
        return True
    if rc.inbox is not None:
        rc.inbox.deliver(Message(topic, sender, Payload(lua, value)))
        return True
    return False


def _on_message(proc: Process, sender: str | None, topic: str, payloads: list[Any]) -> None:
    rc = _receiver(proc)
    if not _deliver_message(rc, sender, topic, payloads):
        rc.early_msgs.append((sender, topic, payloads))


def host_of(runtime: LuaHost) -> ProcessHost:
    """The runtime's process host (made on first use; one per runtime)."""
    host = runtime.__dict__.get("process_host")
    if host is None:
        host = runtime.__dict__["process_host"] = ProcessHost(runtime)
        host.on_event = _on_event
        host.on_message = _on_message
    return host


def process_limits(data: dict[str, Any]) -> tuple[int, int]:
    """A process.host's (max_processes, max_processes_per_caller), at its root or under
    `host:` / `options:`; 0 means no limit."""
    merged: dict[str, Any] = {}
    for key in ("options", "host"):
        block = data.get(key)
        if isinstance(block, dict):
            merged.update(block)
    merged.update({k: v for k, v in data.items() if k.startswith("max_processes")})
    out = []
    for key, default in (("max_processes", DEFAULT_MAX_PROCESSES),
                         ("max_processes_per_caller", DEFAULT_MAX_PER_CALLER)):
        value = merged.get(key, default)
        out.append(value if isinstance(value, int) and not isinstance(value, bool)
                   and value >= 0 else default)
    return out[0], out[1]


def _carry_over(proc: Process, rc: _Receiver) -> list[Any]:
    """What an upgrading process has received and not yet read, as plain deliveries for
    its next instance: buffered messages and events first, then those not yet asked for."""
    out: list[Any] = []

    def message(sender: str | None, topic: str, value: Any) -> None:
        out.append(lambda: _on_message(proc, sender, topic, [value]))

    if rc.events is not None:
        for ev in rc.events.buf:
            try:
                plain = to_plain(ev)
            except ConversionError:
                continue
            if isinstance(plain, dict):
                out.append(lambda ev=plain: _on_event(proc, ev))
    for topic, (ch, _) in rc.listeners.items():
        for item in ch.buf:
            if isinstance(item, Message):
                message(item._from, item._topic, item._payload.value)
            else:
                try:
                    message(None, topic, to_plain(item))
                except ConversionError:
                    continue
    if rc.inbox is not None:
        for item in rc.inbox.buf:
            if isinstance(item, Message):
                message(item._from, item._topic, item._payload.value)
    out += [(lambda ev=ev: _on_event(proc, ev)) for ev in rc.early_events]
    out += [(lambda m=m: _on_message(proc, *m)) for m in rc.early_msgs]
    return out


def _text(value: Any) -> str | None:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else None


def _err(message: str, kind: str) -> tuple[None, LuaErrorValue]:
    return None, LuaErrorValue(message, kind, retryable=False)


#: process.registry scopes (Wippy's wire values); this runtime is one node, so every scope is
#: served by the one local registry
SCOPES = {"LOCAL": 0, "CONSISTENT": 1, "EVENTUAL": 2, "STRONG": 3}


def install(state: LuaState, runtime: LuaHost) -> None:
    lua = state.lua
    host = host_of(runtime)
    workflows = engine_of(host)
    security = runtime.security

    def me() -> Process:
        disp, _ = current(state)
        return host.for_dispatcher(disp)

    def allowed(permission: str, resource: str) -> bool:
        return security.allowed(permission, resource)

    def pid() -> Any:
        try:
            return me().pid.encode()
        except CallError as exc:
            return _err(str(exc), exc.kind)

    def id_() -> Any:
        disp = state.dispatcher
        if disp is None or not disp.entry:
            return _err("process.id: no running execution", INTERNAL)
        return disp.entry.encode()

    def start(spawner: Spawner | None, monitored: bool, linked: bool, entry_id: Any,
              host_id: Any, args: tuple[Any, ...], fn: str) -> Any:
        eid, hid = _text(entry_id), _text(host_id)
        if not eid or not hid:
            return _err(f"{fn} requires at least id and host arguments (strings "
                        f"\"namespace:name\")", INVALID)
        if not allowed("process.spawn", eid):
            return _err(f"not allowed to spawn process: {eid}", PERMISSION_DENIED)
        if not allowed("process.host", hid):
            return _err(f"not allowed to spawn on host: {hid}", PERMISSION_DENIED)
        if monitored and not allowed("process.spawn.monitored", eid):
            return _err(f"not allowed to spawn monitored process: {eid}", PERMISSION_DENIED)
        if linked and not allowed("process.spawn.linked", eid):
            return _err(f"not allowed to spawn linked process: {eid}", PERMISSION_DENIED)
        definition = runtime.built.get(eid)
        if definition is None or not hasattr(definition, "run"):
            return None, LuaErrorValue(f"{eid}: no such process entry", NOT_FOUND, entry=eid)
        rejected = workflow.spawn_rule(state, definition, f"process.{fn}")
        if rejected is not None:
            return rejected
        is_workflow = getattr(definition, "workflow", False)
        phost = runtime.built.get(hid)
        if not is_workflow and (phost is None or phost.entry.kind != "process.host"):
            return None, LuaErrorValue(f"{hid}: no such process.host", NOT_FOUND, entry=hid)
        try:
            plain = [to_plain(a) for a in args]
        except ConversionError as exc:
            return _err(f"{fn}: bad argument: {exc}", INVALID)
        parent = me()
        ctx = spawner.ctx if spawner is not None else current_context()
        if is_workflow:  # the workflow engine: a worker host, workflow ids and rules
            return workflow.start_from_lua(state, runtime, definition, hid, plain, parent,
                                           monitored, linked, ctx, spawner)
        assert phost is not None
        disp = state.dispatcher
        try:
            proc = host.spawn(definition, hid, plain, parent, monitored, linked, ctx=ctx,
                              caller=disp.entry if disp is not None else None,
                              limits=process_limits(phost.entry.data))
        except CallError as exc:  # the host's or the caller's process limit
            return None, LuaErrorValue.from_exception(exc)
        if spawner is not None and spawner.name and not host.register(spawner.name, proc):
            return _err(f"name already registered: {spawner.name}", ALREADY_EXISTS)
        for topic, payload in spawner.messages if spawner is not None else ():
            host.send(parent.pid, proc.pid, topic, [payload])
        return proc.pid.encode(), None

    def spawner_fn(monitored: bool, linked: bool, fn: str) -> Any:
        def spawn(entry_id: Any = None, host_id: Any = None, *args: Any) -> Any:
            return start(None, monitored, linked, entry_id, host_id, args, fn)
        return spawn

    def spawner_spawn(sp: Spawner, monitored: bool, linked: bool, entry_id: Any,
                      host_id: Any, args: tuple[Any, ...]) -> Any:
        return start(sp, monitored, linked, entry_id, host_id, args, "spawn")

    spawner_face = lua_object.wrapper(state, Spawner, "process.Spawner")

    def with_context(values: Any = None, *_: Any) -> Any:
        return Spawner.start(spawner_spawn, security, spawner_face, values, None)

    def with_options(options: Any = None, *_: Any) -> Any:
        return Spawner.start(spawner_spawn, security, spawner_face, None, options)

    def target(fn: str, dest: Any, permission: str) -> tuple[Process | None, Any]:
        """Resolve a PID or name for `fn`; (process, None) or (None, error results)."""
        d = _text(dest)
        if not d:
            return None, _err(f"{fn} requires a destination argument (a PID or a registered "
                              "name)", INVALID)
        proc = host.resolve(d) or workflows.resolve(d)
        if proc is None:
            if workflows.is_workflow_pid(d):
                return None, _err(f"could not resolve: workflow {d} not found (not running)",
                                  NOT_FOUND)
            return None, _err(f"could not resolve: {d} (process not found)", NOT_FOUND)
        if not allowed(permission, proc.pid):
            return None, _err(f"not allowed to {permission.split('.', 1)[1]}: {d}",
                              PERMISSION_DENIED)
        return proc, None

    def send(dest: Any = None, topic: Any = None, *values: Any) -> Any:
        d, t = _text(dest), _text(topic)
        if not d or not t:
            return _err("send requires at least destination and topic arguments", INVALID)
        if t.startswith("@"):
            return _err("cannot send to @ topics", INVALID)
        proc, err = target("send", dest, "process.send")
        if proc is None:
            return err
        try:
            payloads = [to_plain(v) for v in values]
        except ConversionError as exc:
            return _err(f"process.send: {exc}", INVALID)
        sender = state.dispatcher.process.pid if (state.dispatcher and
                                                  state.dispatcher.process) else None
        if not host.send(sender, proc.pid, t, payloads):
            return _err(f"could not resolve: {d} (process not found)", NOT_FOUND)
        return True

    def terminate(dest: Any = None, *_: Any) -> Any:
        proc, err = target("terminate", dest, "process.terminate")
        if proc is None:
            return err
        host.terminate(proc)
        return True, None

    def cancel(dest: Any = None, reason: Any = None, *_: Any) -> Any:
        proc, err = target("cancel", dest, "process.cancel")
        if proc is None:
            return err
        if reason is None:
            text = ""
        elif isinstance(reason, bytes):
            text = reason.decode("utf-8", "replace")
        elif isinstance(reason, (int, float)) and not isinstance(reason, bool):
            text = str(reason)
        else:
            return _err("process.cancel: reason must be a string", INVALID)
        host.event(proc.pid, {"kind": CANCEL, "from": me().pid, "at": int(_time.time()),
                              "reason": text})
        return True, None

    def relation(fn: str, permission: str, act: Any) -> Any:
        def op(dest: Any = None, *_: Any) -> Any:
            if me().workflow is not None:  # Temporal has no links or monitors of workflows
                return _err(f"process.{fn} not supported in workflow context (a workflow "
                            "gets its child workflows' EXIT without monitoring them)",
                            INVALID)
            proc, err = target(fn, dest, permission)
            if proc is None:
                return err
            act(me(), proc)
            return True, None
        return op

    def get_options(*_: Any) -> Any:
        t = lua.table()
        disp = state.dispatcher
        proc = disp.process if disp is not None else None
        t[b"trap_links"] = bool(proc.trap_links) if proc is not None else False
        return t

    def set_options(options: Any = None, *_: Any) -> Any:
        if lupa.lua_type(options) != "table":
            return False, LuaErrorValue("options parameter must be a table", INVALID,
                                        retryable=False)
        proc = me()
        for key, value in options.items():
            name = _text(key)
            if name == "trap_links":
                if not isinstance(value, bool):
                    return False, LuaErrorValue("trap_links must be a boolean", INVALID,
                                                retryable=False)
                proc.trap_links = value
            else:
                return False, LuaErrorValue(f"option {name} is not supported", INVALID,
                                            retryable=False)
        return True, None

    def exec_(entry_id: Any = None, host_id: Any = None, *args: Any) -> Any:
        eid, hid = _text(entry_id), _text(host_id)
        if not eid or not hid:
            return _err("exec requires id and host arguments", INVALID)
        if ":" not in eid:
            return _err("invalid process ID format (namespace:name required)", INVALID)
        if not allowed("process.exec", eid):
            return _err(f"not allowed to exec process: {eid}", PERMISSION_DENIED)
        if not allowed("process.host", hid):
            return _err(f"not allowed to exec on host: {hid}", PERMISSION_DENIED)
        definition = runtime.built.get(eid)
        if definition is None or not hasattr(definition, "run"):
            return None, LuaErrorValue(f"{eid}: no such process entry", NOT_FOUND, entry=eid)
        rejected = workflow.spawn_rule(state, definition, "process.exec")
        if rejected is not None:
            return rejected
        phost = runtime.built.get(hid)
        if not getattr(definition, "workflow", False) and (
                phost is None or phost.entry.kind != "process.host"):
            return None, LuaErrorValue(f"{hid}: no such process.host", NOT_FOUND, entry=hid)
        return process_exec.run_and_wait(state, runtime, definition, hid, args)

    def upgrade(source: Any = None, *args: Any) -> Any:
        """Replace this process's code (another entry, or the same one afresh) keeping its
        PID, monitors, links and names; never returns on success. What it has received and
        not read yet moves over to the new instance."""
        disp, _ = current(state)
        proc = disp.process
        if proc is None or proc.dispatcher is not disp or not proc.spawned:
            return _err("process.upgrade: only a spawned process can upgrade", INVALID)
        eid = _text(source) or proc.entry or ""
        definition = runtime.built.get(eid)
        if definition is None or not hasattr(definition, "run"):
            return None, LuaErrorValue(f"{eid}: no such process entry", NOT_FOUND, entry=eid)
        try:
            plain = [to_plain(a) for a in args]
        except ConversionError as exc:
            return _err(f"process.upgrade: bad argument: {exc}", INVALID)
        rc: _Receiver | None = proc.module_state
        disp.stop(Upgrade(definition, plain, _carry_over(proc, rc) if rc is not None else []))
        return PENDING

    # -- process.registry --------------------------------------------------------------
    def register(name: Any = None, pid_text: Any = None, scope: Any = None, *_: Any) -> Any:
        n = _text(name)
        if not n:
            return _err("process.registry.register: name must be a non-empty string", INVALID)
        if scope is not None and (isinstance(scope, bool) or
                                  not isinstance(scope, (int, float)) or
                                  int(scope) not in SCOPES.values()):
            return _err("scope must be a number (process.registry.LOCAL|EVENTUAL|CONSISTENT|"
                        "STRONG)", INVALID)
        own = me()
        proc = own
        if pid_text is not None:
            p = _text(pid_text)
            if p is None:
                return _err("pid must be a string", INVALID)
            found = host.get(p)
            if found is None:
                return _err(f"invalid pid: {p} (no such process)", INVALID)
            proc = found
            if proc is not own and not allowed("process.registry.foreign", proc.pid):
                return _err(f"not allowed to register foreign pid {proc.pid} under name "
                            f"{n!r}", PERMISSION_DENIED)
        if not allowed("process.registry.register", n):
            return _err(f"not allowed to register name: {n}", PERMISSION_DENIED)
        if not host.register(n, proc):
            return _err(f"name already registered: {n}", ALREADY_EXISTS)
        return True

    def lookup(name: Any = None, *_: Any) -> Any:
        n = _text(name)
        if not n:
            return _err("process.registry.lookup: name must be a non-empty string", INVALID)
        proc = host.resolve(n) if not n.startswith("{") else None
        if proc is None:
            return _err("name not registered", NOT_FOUND)
        return proc.pid.encode()

    def unregister(name: Any = None, *_: Any) -> Any:
        n = _text(name)
        if not n:
            return _err("process.registry.unregister: name must be a non-empty string",
                        INVALID)
        if not allowed("process.registry.unregister", n):
            return _err(f"not allowed to unregister name: {n}", PERMISSION_DENIED)
        return host.unregister(n)

    def flush(rc: _Receiver) -> None:
        early, rc.early_msgs = rc.early_msgs, []
        for sender, topic, payloads in early:
            if not _deliver_message(rc, sender, topic, payloads):
                rc.early_msgs.append((sender, topic, payloads))

    def events() -> Any:
        rc = _receiver(me())
        if rc.events is None:
            rc.events = Channel(64)
            for ev in rc.early_events:
                rc.events.deliver(_event_table(lua, ev))
            rc.early_events.clear()
        return lua_channel(state, rc.events)

    def inbox() -> Any:
        rc = _receiver(me())
        if rc.inbox is None:
            rc.inbox = Channel(64)
            flush(rc)
        return lua_channel(state, rc.inbox)

    def listen(topic: Any = None, opts: Any = None) -> Any:
        t = _text(topic)
        if not t:
            return _err("topic cannot be empty", INVALID)
        if t.startswith("@"):
            return _err("cannot listen to @ topics", INVALID)
        rc = _receiver(me())
        existing = rc.listeners.get(t)
        if existing is not None:  # one channel per topic: identity holds across calls
            return lua_channel(state, existing[0])
        as_message = bool(lupa.lua_type(opts) == "table" and opts[b"message"])
        ch = Channel(64)
        rc.listeners[t] = (ch, as_message)
        flush(rc)
        return lua_channel(state, ch)

    def unlisten(ch: Any = None) -> None:
        rc = _receiver(me())
        py = ch[b"_py"] if lupa.lua_type(ch) == "table" else None
        for topic, (c, _) in list(rc.listeners.items()):
            if c is py:
                del rc.listeners[topic]

    module = lua.table()
    module[b"id"] = id_
    module[b"pid"] = pid
    module[b"self"] = pid
    module[b"send"] = send
    module[b"spawn"] = spawner_fn(False, False, "spawn")
    module[b"spawn_monitored"] = spawner_fn(True, False, "spawn_monitored")
    module[b"spawn_linked"] = spawner_fn(False, True, "spawn_linked")
    module[b"spawn_linked_monitored"] = spawner_fn(True, True, "spawn_linked_monitored")
    module[b"terminate"] = terminate
    module[b"cancel"] = cancel
    module[b"monitor"] = relation("monitor", "process.monitor", host.monitor)
    module[b"unmonitor"] = relation("unmonitor", "process.unmonitor",
                                    lambda a, b: host.monitor(a, b, on=False))
    module[b"link"] = relation("link", "process.link", workflows.link)
    module[b"unlink"] = relation("unlink", "process.unlink",
                                 lambda a, b: host.link(a, b, on=False))
    module[b"get_options"] = get_options
    module[b"set_options"] = set_options
    module[b"with_context"] = with_context
    module[b"with_options"] = with_options
    module[b"events"] = events
    module[b"inbox"] = inbox
    module[b"listen"] = listen
    module[b"unlisten"] = unlisten
    lua_object.functions(state, module)
    module[b"exec"] = state.async_glue[b"wrap"](exec_)
    module[b"upgrade"] = state.async_glue[b"wrap"](upgrade)
    event = lua.table()
    for name, value in (("EXIT", EXIT), ("LINK_DOWN", LINK_DOWN), ("CANCEL", CANCEL)):
        event[name.encode()] = value.encode()
    module[b"event"] = event
    registry = lua.table()
    registry[b"register"] = register
    registry[b"lookup"] = lookup
    registry[b"unregister"] = unregister
    lua_object.functions(state, registry)
    for scope_name, scope in SCOPES.items():
        registry[scope_name.encode()] = scope
    module[b"registry"] = registry
    state.bind("process", module)
