"""An entry's `wasi:` block turned into what a Store needs.

Resolved once at load (references, mounts, the `required` check, so a broken definition fails
where it is written) and again for every new instance (env values are read then, so an OS
variable set later is seen by new instances; Wippy resolves per call, and a warm instance here
keeps the environment it was created with — except `get-environment`, which the runtime
serves itself and therefore reads on every call).

Guest view, as in Wippy's `hosts/cli/environment.go`:
- environment entries sorted by key; `get-arguments` returns `wasi.args`, or when that is
  empty the terminal's arguments (`Runtime.terminal`, set by `wippy run`: the CLI arguments
  after the command name); `initial-cwd` returns `wasi.cwd` or `/`.
- stdout and stderr go to the runtime's output hooks (`Runtime.write_output` /
  `Runtime.write_error`: the CLI's streams, or the kernel's current cell); stdin is the
  terminal's (the CLI's real stdin) under `wippy run`, else empty (no terminal: the kernel).
- `wasi:cli/exit` never exits the host: wasmtime raises `ExitTrap` (and the runtime's own
  `exit-with-code` raises `WasiExit`), mapped to `WasiExit` "wasi exit requested: status N" by
  the function target; `wippy run` turns its `status` into the process exit code.
- mounts are `preopen_dir`s of `fs.directory` entries; `read_only: true` opens them without
  write permission (wasmtime then refuses writes with `read-only`/`not-permitted`), and nothing
  outside the mounts is visible: wasmtime resolves guest paths only below a preopen.
"""

from __future__ import annotations

import codecs
import posixpath
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import wasmtime

from ..errors import CallError, LoadError
from ..registry import Entry


@dataclass(frozen=True)
class EnvSpec:
    name: str
    ref: str
    required: bool
    variable: Any  # kinds.env_variable.EnvVariable, or None when the entry does not exist


@dataclass(frozen=True)
class Mount:
    fs: str
    host: Path
    guest: str
    read_only: bool


class MissingEnvError(CallError):
    """A `required` WASI env variable has no value."""


class WasiExit(CallError):
    """The guest called `wasi:cli/exit`: the call ends with this error instead of the host
    exiting; `status` is what `wippy run` exits with."""

    def __init__(self, status: int, *, entry: str | None = None) -> None:
        super().__init__(f"wasi exit requested: status {status}", entry=entry)
        self.status = status


@dataclass(frozen=True)
class Terminal:
    """The terminal context of `wippy run` (Wippy's `terminalapi` context): the command's
    arguments (the fallback of `get-arguments`) and whether the guest reads the real stdin.
    Without one (the kernel, `wippy call`) stdin is empty and the arguments are `wasi.args`."""

    args: tuple[str, ...] = ()
    stdin: bool = True


class WasiSetup:
    """Everything an entry's stores get from WASI, resolved against the registry."""

    def __init__(self, entry: Entry, wasi: dict[str, Any], ctx: Any, *,
                 mounts_enabled: bool) -> None:
        self.entry_id = entry.id
        self.runtime = ctx.runtime
        self.args: list[str] = [str(a) for a in wasi.get("args") or []]
        self.cwd: str = str(wasi.get("cwd") or "/")
        self.env: list[EnvSpec] = [self._env_spec(entry, item, ctx)
                                   for item in wasi.get("env") or []]
        declared_mounts = wasi.get("mounts") or []
        self.mounts: list[Mount] = [self._mount(entry, item, ctx) for item in declared_mounts]
        self.mounts_enabled = mounts_enabled
        self.warnings: list[str] = []
        if self.mounts and not mounts_enabled:
            self.warnings.append(
                f"{entry.id}: wasi.mounts are not visible to the module because it does not "
                "declare the filesystem profile (add `wasi:filesystem`, or `wasi1` for a core "
                "module, to imports)")
        try:
            self.environment()  # the `required` check, at load
        except MissingEnvError as exc:
            raise entry.error(LoadError, exc.message, "wasi") from None

    # -- resolution ---------------------------------------------------------------------------
    @staticmethod
    def _env_spec(entry: Entry, item: dict[str, Any], ctx: Any) -> EnvSpec:
        name = str(item["name"]).strip()
        ref = entry.ref(str(item["id"]))
        required = bool(item.get("required", False))
        try:
            variable = ctx.resolve(entry, ref, "env.variable")
        except LoadError as exc:
            if required:
                raise entry.error(LoadError, f"wasi env {name}: required env.variable {ref} "
                                  f"not found ({exc.message})", "wasi") from None
            variable = None  # Wippy skips a missing optional variable
        return EnvSpec(name, ref, required, variable)

    def _mount(self, entry: Entry, item: dict[str, Any], ctx: Any) -> Mount:
        ref = entry.ref(str(item["fs"]))
        # `fs.get` is not judged here, at load (whose context is not any caller's, and which
        # strict mode would deny): the pipeline checks it for every call (permissions()).
        fs = ctx.resolve(entry, ref, "fs.directory")
        return Mount(ref, fs.root, posixpath.normpath(str(item["guest"])),
                     bool(item.get("read_only", False)))

    def permissions(self) -> tuple[tuple[str, str], ...]:
        """What every caller of the entry needs: `fs.get` on each visible mount."""
        if not self.mounts_enabled:
            return ()
        return tuple(("fs.get", m.fs) for m in self.mounts)

    def environment(self) -> list[tuple[str, str]]:
        """The guest environment now, sorted by key; MissingEnvError names a missing
        required variable."""
        out: list[tuple[str, str]] = []
        for spec in self.env:
            value = spec.variable.value() if spec.variable is not None else None
            if value is None:
                if spec.required:
                    why = (spec.variable.describe_source() if spec.variable is not None
                           else "the entry does not exist")
                    raise MissingEnvError(f"wasi env {spec.name}: required variable {spec.ref} "
                                          f"has no value ({why})", entry=self.entry_id)
                continue
            out.append((spec.name, value))
        out.sort()
        return out

    def arguments(self) -> list[str]:
        """`get-arguments`: `wasi.args` if set, else the terminal's arguments (Wippy's
        `hosts/cli/environment.go` rule), else none."""
        if self.args:
            return list(self.args)
        terminal: Terminal | None = getattr(self.runtime, "terminal", None)
        return list(terminal.args) if terminal is not None else []

    # -- stores -------------------------------------------------------------------------------
    def config(self) -> wasmtime.WasiConfig:
        """A fresh WasiConfig for one store (set_wasi consumes it)."""
        w = wasmtime.WasiConfig()
        w.argv = self.arguments()
        try:
            w.env = self.environment()
        except MissingEnvError:
            raise
        terminal: Terminal | None = getattr(self.runtime, "terminal", None)
        if terminal is not None and terminal.stdin:
            w.inherit_stdin()
        w.stdout_custom = _decoder(self.runtime.write_output)
        w.stderr_custom = _decoder(self.runtime.write_error)
        if self.mounts_enabled:
            for mount in self.mounts:
                w.preopen_dir(str(mount.host), mount.guest, not mount.read_only)
        return w

    def detail(self) -> dict[str, Any]:
        return {"args": list(self.args), "cwd": self.cwd,
                "env": [{"name": s.name, "id": s.ref, "required": s.required,
                         "set": s.variable is not None and s.variable.value() is not None}
                        for s in self.env],
                "mounts": [{"fs": m.fs, "guest": m.guest, "read_only": m.read_only,
                            "visible": self.mounts_enabled} for m in self.mounts]}


def _decoder(write: Callable[[str], Any]) -> Callable[[bytes], None]:
    """A stdout/stderr callback: bytes from the guest -> text for the runtime's hook.

    Incremental, so a UTF-8 sequence split across two writes is not mangled.
    """
    decoder = codecs.getincrementaldecoder("utf-8")("replace")

    def out(data: bytes) -> None:
        text = decoder.decode(data)
        if text:
            write(text)

    return out


class EnvironmentHost:
    """`wasi:cli/environment` served by the runtime instead of wasip2, for Wippy's guest view:
    `initial-cwd` is `wasi.cwd` or `/` (wasmtime-py's WasiConfig cannot set a cwd), and the
    environment is read on every call (Wippy resolves it per call)."""

    def __init__(self, setup: WasiSetup) -> None:
        self.setup = setup

    def define(self, instance: Any, funcs: set[str]) -> None:
        setup = self.setup
        if "get-environment" in funcs:
            instance.add_func("get-environment", lambda _store: setup.environment())
        if "get-arguments" in funcs:
            instance.add_func("get-arguments", lambda _store: setup.arguments())
        if "initial-cwd" in funcs:
            instance.add_func("initial-cwd", lambda _store: setup.cwd)


class ExitHost:
    """`wasi:cli/exit` served by the runtime when the guest imports `exit-with-code` (unstable
    in WASI 0.2, feature `cli-exit-with-code`; wasmtime-py's wasip2 lacks it): both functions
    raise `WasiExit`, so the call ends with the status and the host never exits. Without
    `exit-with-code` the wasip2 `exit` is used (ExitTrap, mapped the same way)."""

    def __init__(self, entry_id: str) -> None:
        self.entry_id = entry_id

    def define(self, instance: Any, funcs: set[str]) -> None:
        entry_id = self.entry_id

        def exit_(_store: Any, status: Any) -> None:
            # `result` without payloads arrives as a Variant-like value with tag ok/err
            failed = getattr(status, "tag", "ok") == "err"
            raise WasiExit(1 if failed else 0, entry=entry_id)

        def exit_with_code(_store: Any, code: int) -> None:
            raise WasiExit(int(code), entry=entry_id)

        if "exit" in funcs:
            instance.add_func("exit", exit_)
        if "exit-with-code" in funcs:
            instance.add_func("exit-with-code", exit_with_code)
