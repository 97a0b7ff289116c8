"""An entry's `wasi:` block turned into what a Store needs (wippy-facts §2.8).

Resolved once at load (references, mounts, the `required` check, so a broken definition fails
where it is written) and again for every new instance (env values are read then, so an OS
variable set later is seen by new instances; Wippy resolves per call, and a warm instance here
keeps the environment it was created with — except `get-environment`, which the runtime
serves itself and therefore reads on every call).

Guest view, as in Wippy's `hosts/cli/environment.go`:
- environment entries sorted by key; `get-arguments` returns `wasi.args` (there is no terminal
  to inherit arguments from); `initial-cwd` returns `wasi.cwd` or `/`.
- stdout and stderr go to the runtime's output hooks (`Runtime.write_output` /
  `Runtime.write_error`: the CLI's streams, or the kernel's current cell); stdin is empty.
- `wasi:cli/exit` never exits the host: wasmtime raises `ExitTrap`, mapped to a CallError
  "wasi exit requested: status N" by the function target.
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
from .host_permissions import check_host_permission


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
        check_host_permission(self.runtime, "fs.get", ref, entry=entry.id)
        fs = ctx.resolve(entry, ref, "fs.directory")
        return Mount(ref, fs.root, posixpath.normpath(str(item["guest"])),
                     bool(item.get("read_only", False)))

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

    # -- stores -------------------------------------------------------------------------------
    def config(self) -> wasmtime.WasiConfig:
        """A fresh WasiConfig for one store (set_wasi consumes it)."""
        w = wasmtime.WasiConfig()
        w.argv = list(self.args)
        try:
            w.env = self.environment()
        except MissingEnvError:
            raise
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
            instance.add_func("get-arguments", lambda _store: list(setup.args))
        if "initial-cwd" in funcs:
            instance.add_func("initial-cwd", lambda _store: setup.cwd)
