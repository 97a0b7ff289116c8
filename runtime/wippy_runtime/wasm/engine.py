"""One wasmtime Engine per runtime, its settings, and compilation through the compile cache."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import wasmtime
from wasmtime.component import Component

from ..errors import CompileError
from .compile_cache import CompileCache, default_cache_dir
from .instance_groups import InstanceGroups

_WAT_LOCATION = re.compile(r"-->\s*<anon>:(\d+):(\d+)")
#: wasmtime drops the excerpt for very long lines and says "… at <anon>:L:C" instead
_WAT_SHORT_LOCATION = re.compile(r"\s+at\s+<anon>:(\d+):(\d+)\s*$")
#: excerpt lines longer than this are cut around the caret: a one-line 5 MB WAT must not
#: produce a 5 MB error message (the kernel prints it into the cell output)
_SNIPPET_WIDTH = 120


class WasmEngine:
    """Owns the Engine. Epoch interruption is on so that limits and the kernel's interrupt
    button can stop running WASM: the scheduler's execution guard (scheduler/limits.py) is
    given every new store through `store_hooks` and installs its epoch callback on it."""

    #: Part of every compile-cache key: change it when engine settings change.
    SETTINGS = "epoch_interruption=1;opt=speed"

    def __init__(self, cache_dir: Path | None | bool = True) -> None:
        config = wasmtime.Config()
        config.epoch_interruption = True
        config.cranelift_opt_level = "speed"
        self.engine = wasmtime.Engine(config)
        #: called with every new store (the execution guard attaches its epoch callback)
        self.store_hooks: list[Callable[[wasmtime.Store], object]] = []
        self.groups = InstanceGroups()
        if cache_dir is True:
            cache_dir = default_cache_dir()
        elif cache_dir is False:
            cache_dir = None
        self.cache = CompileCache(cache_dir, self.SETTINGS)

    def wat_to_wasm(self, wat: str, *, entry: str, file: str | None = None,
                    line_offset: int | None = None) -> bytes:
        """Compile WAT text to binary; errors name the entry and the WAT line (and, when the WAT
        sits inline in a YAML file, the file line: `line_offset` is the line of WAT line 1)."""
        try:
            return bytes(wasmtime.wat2wasm(wat))
        except wasmtime.WasmtimeError as exc:
            raise wat_error(str(exc), entry=entry, file=file, line_offset=line_offset) from None

    def compile_module(self, wasm: bytes, *, entry: str, file: str | None = None,
                       line: int | None = None) -> wasmtime.Module:
        engine = self.engine

        def compile_fn() -> wasmtime.Module:
            try:
                return wasmtime.Module(engine, wasm)
            except wasmtime.WasmtimeError as exc:
                raise CompileError(f"invalid WebAssembly module: {_first_cause(str(exc))}",
                                   entry=entry, file=file, line=line) from None

        return self.cache.get_or_compile(
            "module", wasm, compile_fn,
            lambda blob: wasmtime.Module.deserialize(engine, blob),
            lambda module: bytes(module.serialize()),
        )

    def compile_component(self, wasm: bytes, *, entry: str, file: str | None = None,
                          line: int | None = None) -> Component:
        engine = self.engine

        def compile_fn() -> Component:
            try:
                return Component(engine, wasm)
            except wasmtime.WasmtimeError as exc:
                raise CompileError(f"invalid WebAssembly component: {_first_cause(str(exc))}",
                                   entry=entry, file=file, line=line) from None

        return self.cache.get_or_compile(
            "component", wasm, compile_fn,
            lambda blob: Component.deserialize(engine, blob),
            lambda comp: bytes(comp.serialize()),
        )

    def new_store(self) -> wasmtime.Store:
        store = wasmtime.Store(self.engine)
        for hook in self.store_hooks:
            hook(store)
        return store


def wat_error(message: str, *, entry: str, file: str | None,
              line_offset: int | None) -> CompileError:
    m = _WAT_LOCATION.search(message)
    headline = message.split("\n", 1)[0].strip()
    snippet = ""
    if m:
        snippet = _caret_snippet(message, int(m.group(2)))
    else:
        m = _WAT_SHORT_LOCATION.search(headline)
        if m:
            headline = headline[:m.start()]
    if not m:
        return CompileError(f"invalid WAT: {_clip(headline)}", entry=entry, file=file,
                            line=line_offset)
    wat_line, col = int(m.group(1)), int(m.group(2))
    text = f"invalid WAT at line {wat_line}, column {col}: {headline}"
    if snippet:
        text += "\n" + snippet
    file_line = line_offset + wat_line - 1 if line_offset is not None else None
    return CompileError(text, entry=entry, file=file, line=file_line, field="source",
                        source_line=wat_line, source_column=col)


def _clip(text: str, width: int = _SNIPPET_WIDTH * 2) -> str:
    return text if len(text) <= width else text[:width] + f"… ({len(text)} characters)"


def _caret_snippet(message: str, col: int) -> str:
    """wasmtime's excerpt (`  4 | source` and the caret line), with lines longer than
    _SNIPPET_WIDTH cut to a window around the caret (`…` marks the cuts)."""
    lines = message.split("\n")
    out = [ln for ln in lines[2:] if ln.strip() and ln.strip() != "|"]
    if all(len(ln) <= _SNIPPET_WIDTH for ln in out):
        return "\n".join(out)
    clipped = []
    for ln in out:
        bar = ln.find("|")
        if bar < 0:
            clipped.append(_clip(ln))
            continue
        gutter, body = ln[:bar + 2], ln[bar + 2:]
        start = max(0, col - 1 - _SNIPPET_WIDTH // 2)
        piece = body[start:start + _SNIPPET_WIDTH]
        if start > 0:
            caret_line = set(piece.strip()) <= {"^"}
            piece = (" " if caret_line else "…") + piece  # the caret stays under its column
        if start + _SNIPPET_WIDTH < len(body):
            piece += "…"
        clipped.append((gutter + piece).rstrip())
    return "\n".join(clipped)


def _first_cause(message: str) -> str:
    """wasmtime errors are multi-line 'Caused by' chains; keep the most specific cause."""
    causes = [ln.strip() for ln in message.splitlines() if ln.strip()]
    specific = [c for c in causes if re.match(r"^\d+:", c)]
    if specific:
        return re.sub(r"^\d+:\s*", "", specific[-1])
    return causes[0] if causes else message


def trap_message(exc: BaseException) -> str:
    """A one-line trap description: 'wasm trap: integer divide by zero'."""
    text = getattr(exc, "message", None) or str(exc)
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    for ln in reversed(lines):
        ln = re.sub(r"^\d+:\s*", "", ln)
        if ln.startswith("wasm trap:"):
            return ln
    return _first_cause(text)
