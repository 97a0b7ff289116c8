"""Error hierarchy of the runtime.

Every error carries the entry it is about (and, where there is one, the file and line), so a
user can act on it without guessing which of fifty entries failed. Kinds mirror Wippy's error
kinds (`errors.INVALID`, `errors.NOT_FOUND`, ...) so Lua code sees the same `err:kind()`.
"""

from __future__ import annotations

# Wippy's error kinds, with Wippy's own values: Lua code compares `err:kind()` with these, and
# real projects (and their tests) hard-code them. An error of no particular kind has kind "".
UNKNOWN = ""
INVALID = "Invalid"
NOT_FOUND = "NotFound"
ALREADY_EXISTS = "AlreadyExists"
PERMISSION_DENIED = "PermissionDenied"
TIMEOUT = "Timeout"
CANCELED = "Canceled"
UNAVAILABLE = "Unavailable"
INTERNAL = "Internal"
CONFLICT = "Conflict"
RATE_LIMITED = "RateLimited"

#: the `errors.*` constant names Lua sees, with their values
KIND_NAMES: dict[str, str] = {
    "UNKNOWN": UNKNOWN, "INVALID": INVALID, "NOT_FOUND": NOT_FOUND,
    "ALREADY_EXISTS": ALREADY_EXISTS, "PERMISSION_DENIED": PERMISSION_DENIED,
    "TIMEOUT": TIMEOUT, "CANCELED": CANCELED, "UNAVAILABLE": UNAVAILABLE,
    "INTERNAL": INTERNAL, "CONFLICT": CONFLICT, "RATE_LIMITED": RATE_LIMITED,
}

ERROR_KINDS = (
    UNKNOWN, INVALID, NOT_FOUND, ALREADY_EXISTS, PERMISSION_DENIED, TIMEOUT,
    CANCELED, UNAVAILABLE, INTERNAL, CONFLICT, RATE_LIMITED,
)


class WippyError(Exception):
    """Base of every error the runtime raises on purpose.

    The parts of an error are fields, so a renderer (the kernel, the CLI, Lua's error
    values) reads them instead of parsing the message:

    - `entry`, `file`, `line`: which entry, and where its definition is (the YAML line);
    - `field`: the definition field at fault (`source`, `pool`, `wit`, ...);
    - `source_line`, `source_column`: the position inside the entry's own source text (a
      WAT or Lua line, counted from the source's first line);
    - `param`, `index`: for a bad argument, the parameter's name and 1-based position;
    - `traceback`: a Lua traceback, when the error came out of running Lua.
    """

    kind: str = INTERNAL
    field: str | None = None
    source_line: int | None = None
    source_column: int | None = None
    param: str | None = None
    index: int | None = None
    traceback: str | None = None

    def __init__(
        self,
        message: str,
        *,
        entry: str | None = None,
        file: str | None = None,
        line: int | None = None,
        kind: str | None = None,
        field: str | None = None,
        source_line: int | None = None,
        source_column: int | None = None,
        param: str | None = None,
        index: int | None = None,
        traceback: str | None = None,
    ) -> None:
        self.message = message
        self.entry = entry
        self.file = file
        self.line = line
        if kind is not None:
            self.kind = kind
        if field is not None:
            self.field = field
        if source_line is not None:
            self.source_line = source_line
        if source_column is not None:
            self.source_column = source_column
        if param is not None:
            self.param = param
        if index is not None:
            self.index = index
        if traceback is not None:
            self.traceback = traceback
        super().__init__(self._render())

    def fields(self) -> dict[str, object]:
        """The error's parts that are set, for renderers and JSON output."""
        out: dict[str, object] = {"type": type(self).__name__, "kind": self.kind,
                                  "message": self.message}
        for name in ("entry", "file", "line", "field", "source_line", "source_column",
                     "param", "index"):
            value = getattr(self, name)
            if value is not None:
                out[name] = value
        return out

    def with_entry(self, entry: str) -> WippyError:
        """This error reported against `entry` (re-rendered so the text names it too)."""
        if self.entry == entry:
            return self
        self.entry = entry
        self.args = (self._render(),)
        return self

    def _render(self) -> str:
        where = []
        if self.file:
            where.append(f"{self.file}:{self.line}" if self.line else self.file)
        if self.entry:
            where.append(self.entry)
        prefix = ": ".join(where)
        return f"{prefix}: {self.message}" if prefix else self.message


class LoadError(WippyError):
    """A definition could not be read: bad YAML, unreadable file, unknown kind, ..."""

    kind = INVALID


class ValidationError(LoadError):
    """An entry's fields break Wippy's validation rules."""


class CompileError(LoadError):
    """WAT, WASM or Lua source of an entry failed to compile."""

    @property
    def lua_line(self) -> int | None:
        """`source_line` under the name a Lua syntax error's readers know."""
        return self.source_line

    @property
    def wat_line(self) -> int | None:
        """`source_line` under the name a WAT syntax error's readers know."""
        return self.source_line

    @property
    def wat_column(self) -> int | None:
        return self.source_column


class HashMismatchError(LoadError):
    """A `function.wasm` binary does not match its declared `hash`."""

    def __init__(self, message: str, *, expected: str, actual: str, **kw) -> None:
        self.expected = expected
        self.actual = actual
        super().__init__(message, **kw)


class CallError(WippyError):
    """A call failed: unknown entry, bad argument, trap, timeout, Lua error.

    `kind` is one of Wippy's error kinds; `entry` is the entry that was called. A Lua
    entry's own error value (raised or returned as `nil, err`) rides along in
    `error_value`, so a Lua caller gets it back unchanged.
    """

    kind = INTERNAL
    error_value: object = None


class TrapError(CallError):
    """WebAssembly trapped (unreachable, divide by zero, out-of-bounds, ...); `trap_code` is
    wasmtime's code when it gave one."""

    kind = INTERNAL
    trap_code: object = None


class GuestError(CallError):
    """The guest returned the `err` side of a top-level WIT `result<T, E>`.

    Lua sees `nil, payload` (the E value itself); Python sees this exception with
    the payload in `.payload`.
    """

    kind = UNKNOWN

    def __init__(self, payload: object, *, entry: str | None = None) -> None:
        self.payload = payload
        super().__init__(f"returned err: {payload!r}", entry=entry)
