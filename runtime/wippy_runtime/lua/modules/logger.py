"""The `logger` module: structured logging into Python's `logging`, Wippy's method API.

`logger:info(msg, fields)` (also `debug`, `warn`, `error`), `logger:with(fields)` for a child
carrying fields, `logger:named(name)` for a child whose name is appended with a dot (zap's
rule). Records go to the `logging` logger `wippy` (`wippy.<name>` for named ones) with the
fields in `record.wippy_fields`; the message text is `msg` followed by the fields as JSON, so a
plain handler shows them too. Where they end up is the host's logging configuration: with none,
Python prints warnings and errors to stderr, as a production logger would.
Fields: string keys only (others are ignored), values any Lua data (tables become JSON
objects), an `error` field is logged as its message. The real module insists on the colon
(`logger:info`); here `logger.info("x")` works too, as lupa cannot tell the two apart.
"""

from __future__ import annotations

import json
import logging
from typing import TYPE_CHECKING, Any

from ...errors import INVALID, CallError
from ..convert import ConversionError, to_plain
from ..exposed import lua_methods
from ._common import bad_argument, check_string, is_table, lua_type, text
from .errors import LuaErrorValue

if TYPE_CHECKING:
    from ..host import LuaHost
    from ..state import LuaState

ROOT = "wippy"


def _value(value: Any) -> Any:
    if isinstance(value, LuaErrorValue):
        return str(value)
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, dict):
        return {str(k): _value(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_value(v) for v in value]
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return str(value)


def _fields(table: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in table.items():
        if not isinstance(key, bytes):
            continue
        try:
            out[text(key)] = _value(to_plain(value))
        except ConversionError:
            out[text(key)] = f"<{lua_type(value)}>"
    return out


@lua_methods("debug", "info", "warn", "error", "with", "named")
class Logger:
    """One logger: a `logging` name plus the fields every record carries."""

    __slots__ = ("name", "fields", "_log")

    def __init__(self, name: str = ROOT, fields: dict[str, Any] | None = None) -> None:
        self.name = name
        self.fields = fields or {}
        self._log = logging.getLogger(name)

    def _args(self, method: str, args: tuple[Any, ...]) -> tuple[Any, ...]:
        # lupa drops the object of a `logger:m()` call; keep working if it ever passes it
        return args[1:] if args and args[0] is self else args

    def _emit(self, level: int, method: str, args: tuple[Any, ...]) -> None:
        rest = self._args(method, args)
        message = text(check_string(rest[0] if rest else None, f"logger.{method}", 2))
        extra = rest[1] if len(rest) > 1 else None
        if extra is not None and not is_table(extra):
            raise bad_argument(f"logger.{method}", 3, "table", extra)
        if not self._log.isEnabledFor(level):
            return
        fields = dict(self.fields)
        if extra is not None:
            fields.update(_fields(extra))
        shown = f"{message}\t{json.dumps(fields, ensure_ascii=False, default=str)}" \
            if fields else message
        self._log.log(level, "%s", shown, extra={"wippy_fields": fields,
                                                 "wippy_message": message})

    def debug(self, *args: Any) -> None:
        self._emit(logging.DEBUG, "debug", args)

    def info(self, *args: Any) -> None:
        self._emit(logging.INFO, "info", args)

    def warn(self, *args: Any) -> None:
        self._emit(logging.WARNING, "warn", args)

    def error(self, *args: Any) -> None:
        self._emit(logging.ERROR, "error", args)

    def with_(self, *args: Any) -> Logger:
        rest = self._args("with", args)
        extra = rest[0] if rest else None
        if not is_table(extra):
            raise bad_argument("logger.with", 2, "table", extra)
        return Logger(self.name, {**self.fields, **_fields(extra)})

    def named(self, *args: Any) -> Logger:
        rest = self._args("named", args)
        name = text(check_string(rest[0] if rest else None, "logger.named", 2))
        if not name:
            raise CallError("bad argument #2 to 'logger.named' (name cannot be empty)",
                            kind=INVALID)
        return Logger(f"{self.name}.{name}", dict(self.fields))


def install(state: LuaState, runtime: LuaHost) -> None:
    state.bind("logger", Logger())
