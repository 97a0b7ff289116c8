"""How a WASM call's failures read: wasmtime traps, WIT value errors, a guest's `result` err,
the runtime's limits and exits, each turned into the CallError a caller sees, with whether
the instance it happened on must be discarded."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import wasmtime

from ..errors import INVALID, CallError, GuestError, TrapError
from ..scheduler.limits import limit_error
from ..wasm.core_call import ArgumentError, ArityError, ResultError
from ..wasm.engine import trap_message
from ..wasm.wasi_config import WasiExit
from ..wit import CoreAbiError, FuncType, ResultType, WitValueError


class InstanceReset(CallError):
    """A shared component instance was replaced under this entry's warm instance."""


def finisher(func_type: FuncType | None, entry_id: str,
             call: Callable[[tuple], Any]) -> Callable[[tuple], Any]:
    """Wrap `call` so a top-level `result<T, E>` becomes the value or a GuestError (Lua gets
    `value, nil` / `nil, err`)."""
    if func_type is None or len(func_type.results) != 1 or \
            not isinstance(func_type.results[0], ResultType):
        return call

    def finish(args: tuple) -> Any:
        value = call(args)
        if type(value) is dict and len(value) == 1:
            if "ok" in value:
                return value["ok"]
            if "err" in value:
                raise GuestError(value["err"], entry=entry_id)
        return value

    return finish


def map_wasm_error(entry_id: str, exc: BaseException) -> tuple[CallError, bool]:
    """exception -> (CallError, discard the instance)."""
    if isinstance(exc, GuestError):
        return exc, False
    if isinstance(exc, wasmtime.ExitTrap):
        # wasi:cli/exit (or proc_exit) never exits the host
        return WasiExit(exc.code, entry=entry_id), True
    if isinstance(exc, WasiExit):  # the runtime's exit-with-code, raised inside a host call
        return exc, True
    if isinstance(exc, WitValueError):
        return CallError(str(exc), entry=entry_id, kind=INVALID, param=exc.param,
                         index=exc.index), False
    if isinstance(exc, CoreAbiError):
        return CallError(str(exc), entry=entry_id), True
    if isinstance(exc, ArgumentError):
        return CallError(str(exc), entry=entry_id, kind=INVALID, param=exc.name,
                         index=exc.index + 1), False
    if isinstance(exc, ArityError):
        return CallError(str(exc), entry=entry_id, kind=INVALID), False
    if isinstance(exc, ResultError):
        return CallError(str(exc), entry=entry_id), False
    if isinstance(exc, (wasmtime.Trap, wasmtime.WasmtimeError)):
        limited = limit_error(entry_id, str(exc))
        if limited is not None:
            return limited, True
    if isinstance(exc, wasmtime.Trap):
        err = TrapError(trap_message(exc), entry=entry_id)
        err.trap_code = exc.trap_code
        return err, True
    if isinstance(exc, wasmtime.WasmtimeError):
        return TrapError(trap_message(exc), entry=entry_id), True
    if isinstance(exc, CallError):
        return exc, False
    return CallError(f"{type(exc).__name__}: {exc}", entry=entry_id), True
