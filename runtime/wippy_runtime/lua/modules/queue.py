"""The `queue` module: `queue.publish(id, data, headers?)`, `queue.info(id)` and, inside a
consumer's handler, `queue.message()` -> Message (`id`, `header`, `headers`, `ack`, `nack`).

Wippy's shapes and kinds: every function returns `value, nil` or `nil, err`, never retryable.
INVALID for an empty queue id, missing or empty data (`{}`), a header value that is not a
string, number or boolean, data the queue's codec cannot encode (a function, a cycle),
`queue.message()` outside a delivery, a released Message (its handler returned) and a second
settle (`ack`/`nack` are single-shot; the consumer's automatic settle counts as one).
INTERNAL for what the queue side refuses: an unknown queue, a stopped driver, a full queue.
Permissions are Wippy's: `queue.publish` (no resource) and `queue.publish.queue` on the queue
id; a denial is INVALID, as Wippy reports it.

Header keys that are not strings are skipped (Wippy drops them too); header values keep their
Lua type on the consumer side (an integer stays an integer). Header keys starting `x_`
and `attempts` are the driver's redelivery bookkeeping.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ...errors import INTERNAL, INVALID
from ...resources.queue.memory import MemoryDriver
from ...resources.queue.message import DELIVERY, Delivery, Message, QueueError, encode
from ..convert import ConversionError, to_lua, to_plain
from ..objects import built, error_value, fail, lua_class, text_arg

if TYPE_CHECKING:
    from ..host import LuaHost
    from ..state import LuaState

_HEADER_TYPES = (str, bool, int, float)


def install(state: LuaState, runtime: LuaHost) -> None:
    lua = state.lua
    security = runtime.security

    def queue_of(function: str, queue_id: str) -> Any:
        """(driver, settings) of a declared queue, or (None, the INTERNAL error value)."""
        res = built(runtime, queue_id)
        driver = getattr(res, "driver", None)
        if res is None or res.entry.kind != "queue.queue" or not isinstance(driver,
                                                                            MemoryDriver):
            failed = runtime.failed.get(queue_id) if res is None else None
            what = ("not found" if res is None and failed is None
                    else f"failed to load: {failed[1].message}" if failed is not None
                    else f"is a {res.entry.kind}, not a queue")
            return None, error_value(f"{function}: queue {queue_id} {what}", INTERNAL)
        return driver, res.settings

    def queue_id_arg(function: str, value: Any) -> str | tuple[Any, Any]:
        qid = text_arg(function, 1, "queue_id", value) if value is not None else ""
        return qid or fail(f"{function}: queue ID required", INVALID)

    def headers_of(value: Any) -> dict[str, Any] | tuple[Any, Any]:
        if value is None:
            return {}
        try:
            plain = to_plain(value)
        except ConversionError as exc:
            return fail(f"queue.publish: headers: {exc}", INVALID)
        if plain == [] or plain == {}:
            return {}
        if not isinstance(plain, dict):
            return fail("queue.publish: headers must be a table of name = value", INVALID)
        out: dict[str, Any] = {}
        for key, val in plain.items():
            if not isinstance(key, str):
                continue
            if not isinstance(val, _HEADER_TYPES):
                return fail(f"queue.publish: header {key!r} must be a string, number or "
                            f"boolean, got {type(val).__name__}", INVALID)
            out[key] = val
        return out

    def publish(queue_id: Any = None, data: Any = None, headers: Any = None, *_: Any) -> Any:
        qid = queue_id_arg("queue.publish", queue_id)
        if isinstance(qid, tuple):
            return qid
        if not security.allowed("queue.publish", ""):
            return fail("queue.publish: queue publishing not allowed", INVALID)
        if not security.allowed("queue.publish.queue", qid):
            return fail(f"queue.publish: not allowed to publish to queue: {qid}", INVALID)
        if data is None:
            return fail("queue.publish: message data required", INVALID)
        try:
            plain = to_plain(data)
        except ConversionError as exc:
            return fail(f"queue.publish: message data for {qid}: {exc}", INVALID)
        if plain == {}:
            return fail("queue.publish: message data cannot be empty", INVALID)
        hdrs = headers_of(headers)
        if isinstance(hdrs, tuple):
            return hdrs
        driver, settings = queue_of("queue.publish", qid)
        if driver is None:
            return None, settings
        try:
            driver.publish(qid, Message(encode(settings.codec, plain), settings.codec, hdrs))
        except QueueError as exc:
            kind = INVALID if exc.kind == INVALID else INTERNAL
            return fail(f"queue.publish: publish to {qid} failed: {exc.message}", kind)
        return True, None

    def info(queue_id: Any = None, *_: Any) -> Any:
        qid = queue_id_arg("queue.info", queue_id)
        if isinstance(qid, tuple):
            return qid
        driver, settings = queue_of("queue.info", qid)
        if driver is None:
            return None, settings
        try:
            stats = driver.info(qid)
        except QueueError as exc:
            return fail(f"queue.info: {exc.message}", INTERNAL)
        return to_lua(lua, stats), None

    # -- Message --------------------------------------------------------------------------
    def live(d: Delivery, method: str) -> Any:
        if d.released:
            return fail(f"msg:{method}: queue.Message released (its handler has returned)",
                        INVALID)
        return None

    def msg_id(d: Delivery, *_: Any) -> Any:
        return live(d, "id") or (d.message.id.encode(), None)

    def msg_header(d: Delivery, key: Any = None, *_: Any) -> Any:
        name = text_arg("msg:header", 1, "key", key)
        return live(d, "header") or (to_lua(lua, d.message.headers.get(name)), None)

    def msg_headers(d: Delivery, *_: Any) -> Any:
        return live(d, "headers") or (to_lua(lua, dict(d.message.headers)), None)

    def settle(method: str) -> Any:
        def op(d: Delivery, *_: Any) -> Any:
            dead = live(d, method)
            if dead:
                return dead
            try:
                done = d.ack() if method == "ack" else d.nack()
            except QueueError as exc:
                return fail(f"msg:{method}: {exc.message}", INTERNAL)
            if not done:
                return fail(f"msg:{method}: queue.Message already settled ({d.outcome})",
                            INVALID)
            return True, None

        return op

    msg_cls = lua_class(state, "queue.Message", {
        "id": msg_id, "header": msg_header, "headers": msg_headers,
        "ack": settle("ack"), "nack": settle("nack"),
    }, lambda d: "queue.Message{released}" if d is None or d.released
        else f"queue.Message{{id={d.message.id}}}")

    def message(*_: Any) -> Any:
        delivery = DELIVERY.get()
        if delivery is None:
            return None, error_value("queue.message: no delivery found in context (only a "
                                     "queue consumer's handler has one)", INVALID)
        return msg_cls.new(delivery), None

    module = lua.table()
    module[b"publish"] = publish
    module[b"message"] = message
    module[b"info"] = info
    state.bind("queue", module)
