"""Payloads: the value a future's channel delivers, and the `payload`
global (`payload.new(v)`, `p:data()`, `p:unmarshal()`, `p:get_format()`, `p:transcode(fmt)`).

A Payload holds a *plain* Python value (what crosses threads and Lua states) and converts it
into the Lua state that asks, so one Payload can be read by any state.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from ...errors import INTERNAL, CallError
from ..convert import ConversionError, to_lua, to_plain
from ..exposed import lua_methods
from ..host_memory import HostMemory, plain_size
from .errors import LuaErrorValue

if TYPE_CHECKING:
    from ..state import LuaState

JSON, YAML, STRING, BYTES = "json/plain", "yaml/plain", "text/plain", "application/octet-stream"
MSGPACK, LUA, GOLANG, ERROR = "application/msgpack", "lua/any", "golang/any", "golang/error"
FORMATS = {"JSON": JSON, "YAML": YAML, "STRING": STRING, "BYTES": BYTES, "MSGPACK": MSGPACK,
           "LUA": LUA, "GOLANG": GOLANG, "ERROR": ERROR}


@lua_methods("data", "unmarshal", "get_format", "transcode")
class Payload:
    """A value plus its format; `lua` is the state its Lua-side values are built in."""

    __slots__ = ("value", "format", "lua", "account", "size")

    def __init__(self, lua: Any, value: Any, fmt: str = LUA, account: HostMemory | None = None,
                 ) -> None:
        self.lua = lua
        self.value = value
        self.format = fmt
        #: the state whose memory cap this payload's Python copy counts against
        self.account = account
        self.size = 0
        if account is not None:
            size = plain_size(value, account.limit or 1 << 62)
            account.charge(size, "payload")
            self.size = size

    def __del__(self) -> None:
        if self.account is not None:
            self.account.credit(self.size)

    def data(self, *_: Any) -> Any:
        return to_lua(self.lua, self.value), None

    def unmarshal(self, *_: Any) -> Any:
        value = self.value
        try:
            if self.format == JSON and isinstance(value, (str, bytes)):
                value = json.loads(value)
        except ValueError as exc:
            return None, LuaErrorValue(f"payload: invalid JSON: {exc}", INTERNAL)
        return to_lua(self.lua, value), None

    def get_format(self, *_: Any) -> bytes:
        return self.format.encode()

    def __str__(self) -> str:
        return f"payload({self.format})"

    def transcode(self, *a: Any) -> Any:
        fmt = a[-1].decode() if isinstance(a[-1], bytes) else str(a[-1])
        value = self.value
        try:
            if fmt == JSON:
                value = json.dumps(value if self.format != JSON else json.loads(value))
            elif fmt == STRING:
                value = value if isinstance(value, str) else json.dumps(value)
            elif fmt in (LUA, GOLANG):
                value = json.loads(value) if self.format == JSON else value
            else:
                return None, LuaErrorValue(f"payload: cannot transcode to {fmt}", INTERNAL)
        except (TypeError, ValueError) as exc:
            return None, LuaErrorValue(f"payload: transcoding to {fmt} failed: {exc}", INTERNAL)
        try:
            return Payload(self.lua, value, fmt, self.account), None
        except CallError as exc:
            return None, LuaErrorValue(exc.message, INTERNAL)


def install_global(state: LuaState) -> None:
    """Bind the `payload` global (Wippy gives it to every Lua entry)."""
    lua = state.lua

    def new(value: Any = None) -> Any:
        try:
            plain = to_plain(value)
            # an error value is carried as itself, in Wippy's error format
            return Payload(lua, plain, ERROR if isinstance(plain, LuaErrorValue) else LUA,
                           state.host_memory)
        except ConversionError as exc:
            return None, LuaErrorValue(f"payload.new: {exc}", INTERNAL)

    module = lua.table()
    module[b"new"] = new
    fmt = lua.table()
    for name, value in FORMATS.items():
        fmt[name.encode()] = value.encode()
    module[b"format"] = fmt
    state.bind("payload", module)
