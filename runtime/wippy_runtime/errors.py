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
    """Base of every error the runtime raises on purpose."""

    kind: str = INTERNAL

    def __init__(
        self,
        message: str,
        *,
        entry: str | None = None,
        file: str | None = None,
        line: int | None = None,
        kind: str | None = None,
    ) -> None:
        self.message = message
        self.entry = entry
        self.file = file
        self.line = line
        if kind is not None:
            self.kind = kind
        super().__init__(self._render())

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
    """An entry's fields break Wippy's validation rules (wippy-facts §2.2)."""


class CompileError(LoadError):
    """WAT, WASM or Lua source of an entry failed to compile."""


class HashMismatchError(LoadError):
    """A `function.wasm` binary does not match its declared `hash`."""

    def __init__(self, message: str, *, expected: str, actual: str, **kw) -> None:
        self.expected = expected
        self.actual = actual
        super().__init__(message, **kw)


class CallError(WippyError):
    """A call failed: unknown entry, bad argument, trap, timeout, Lua error.

    `kind` is one of Wippy's error kinds; `entry` is the entry that was called.
    """

    kind = INTERNAL


class TrapError(CallError):
    """WebAssembly trapped (unreachable, divide by zero, out-of-bounds, ...)."""

    kind = INTERNAL


class GuestError(CallError):
    """The guest returned the `err` side of a top-level WIT `result<T, E>`.

    Lua sees `nil, payload` (the E value itself, SPEC §4); Python sees this exception with
    the payload in `.payload`.
    """

    kind = UNKNOWN

    def __init__(self, payload: object, *, entry: str | None = None) -> None:
        self.payload = payload
        super().__init__(f"returned err: {payload!r}", entry=entry)
