"""The `funcs` host (`wippy:runtime/funcs@0.1.0`): WASM calls the registry.

    call-string: func(target: string, input: string) -> result<string, string>
    call-bytes:  func(target: string, input: list<u8>) -> result<list<u8>, string>

The target is called through the runtime's call pipeline (calls.py) with one argument, in
the guest's execution context, exactly as any other caller's call (Lua or WASM). Its value
becomes the ok side:
- strings as they are; bytes as they are for call-bytes, UTF-8-decoded (invalid bytes
  replaced) for call-string;
- nil as "" (Wippy's Go `fmt.Sprint(nil)` would give "<nil>", which no guest wants to parse);
- booleans "true"/"false", numbers like Go's `%v` (`2`, `2.5`, `1e+21`);
- tables / records / lists as compact JSON — Go's `fmt.Sprint` of a map (`map[a:1]`) is not
  parseable, and JSON is what a guest can decode.
Any failure (bad target, missing entry, the callee's error, a denied permission) becomes the
err side: the error's text; a WIT `result` err payload is passed as text (JSON when not a
string). Nothing is raised into the guest, so the calling instance stays usable.

Re-entrancy: the callee may call back into the same component on the same thread; the
group's inline pool then runs that call on a private instance instead of waiting for the lock
it already holds (scheduler/pools/inline.py).
"""

from __future__ import annotations

import json
import math
from typing import Any, Protocol

from wasmtime.component import Variant

from ..errors import INVALID, CallError, GuestError
from ..registry.ids import InvalidIdError, parse_id

INTERFACE = "wippy:runtime/funcs"


def to_text(value: Any) -> str:
    """A call's value as the text call-string returns (see the module docstring)."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "NaN"
        if math.isinf(value):
            return "+Inf" if value > 0 else "-Inf"
        text = repr(value)
        return text[:-2] if text.endswith(".0") else text
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=_json_default)


def _json_default(value: Any) -> Any:
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    if hasattr(value, "__dict__"):
        return vars(value)
    return str(value)


def _error_text(exc: CallError) -> str:
    if isinstance(exc, GuestError):
        return to_text(exc.payload)
    return str(exc)


class Calls(Protocol):
    """The call pipeline (calls.py) as this host uses it."""

    def call(self, entry_id: str, args: tuple, *, reported_as: str | None = None) -> Any: ...


class FuncsHost:
    """The two host functions, bound to the call pipeline and the entry whose guest calls
    them."""

    def __init__(self, calls: Calls, entry_id: str) -> None:
        self.calls = calls
        self.entry_id = entry_id

    def _call(self, target: Any, payload: Any) -> Any:
        if not isinstance(target, str):
            raise CallError("invalid function target: expected a string", kind=INVALID)
        try:
            parse_id(target)
        except InvalidIdError:
            raise CallError(f"invalid function target {target!r}: expected \"namespace:name\"",
                            kind=INVALID) from None
        # resolve, permission (a denial is reported against the calling entry), invoke
        return self.calls.call(target, (payload,), reported_as=self.entry_id)

    def call_string(self, _store: Any, target: str, payload: str) -> Variant:
        try:
            return Variant("ok", to_text(self._call(target, payload)))
        except CallError as exc:
            return Variant("err", _error_text(exc))
        except Exception as exc:  # a runtime bug must not trap the guest
            return Variant("err", f"{type(exc).__name__}: {exc}")

    def call_bytes(self, _store: Any, target: str, payload: bytes) -> Any:
        # result<list<u8>, string>: wasmtime-py passes it untagged (bytes vs str)
        try:
            value = self._call(target, bytes(payload))
        except CallError as exc:
            return _error_text(exc)
        except Exception as exc:
            return f"{type(exc).__name__}: {exc}"
        if isinstance(value, bytes):
            return value
        return to_text(value).encode("utf-8")

    def define(self, instance: Any, exports: set[str]) -> None:
        """Add the functions the component imports to a LinkerInstance."""
        if "call-string" in exports:
            instance.add_func("call-string", self.call_string)
        if "call-bytes" in exports:
            instance.add_func("call-bytes", self.call_bytes)
