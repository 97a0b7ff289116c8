"""`function.wat` and `function.wasm`: the kind handler for WebAssembly functions.

Flow: bytes (WAT compiled, or read from an `fs.directory` and hash-checked) -> core module or
component (told apart by the header) -> compiled through the compile cache -> a target
(core_function.py or component_function.py) whose pool instances each own a Store and an
instance, with the method's call prepared once.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from ..errors import CompileError, HashMismatchError, LoadError, ValidationError
from ..registry import Entry
from ..scheduler.pool_config import select_pool
from ..wasm.binary import is_component, is_wasm, start_function
from ..wasm.engine import WasmEngine
from ..wasm.host_profiles import HostImportError, resolve_imports
from ..wasm.wasi_config import WasiSetup
from .base import BuildContext, Target
from .component_function import ComponentFunctionTarget
from .core_function import CoreFunctionTarget
from .fs_directory import FsDirectory
from .wasm_config import WasmConfig, parse_wasm_config, read_limits
from .wasm_hosts import HostContext


def load_wasm_bytes(entry: Entry, cfg: WasmConfig, ctx: Any) -> bytes:
    """The module's bytes: compiled WAT, or a binary from `fs` verified against `hash`."""
    engine: WasmEngine = ctx.runtime.wasm
    if entry.kind == "function.wat":
        text, path = entry.source_text("source")
        line_offset = None if path else entry.origin.line_of("source")
        return engine.wat_to_wasm(text, entry=entry.id,
                                  file=str(path) if path else entry.origin.file,
                                  line_offset=1 if path else line_offset)
    fs = ctx.resolve(entry, cfg.fs, "fs.directory")
    assert isinstance(fs, FsDirectory)
    assert cfg.path is not None  # parse_wasm_config requires it for binaries
    data = fs.read_bytes(cfg.path, for_entry=entry)
    assert cfg.hash is not None
    actual = hashlib.sha256(data).hexdigest()
    if actual != cfg.hash[1]:
        raise entry.error(HashMismatchError,
                          f"hash mismatch for {cfg.path}: expected sha256:{cfg.hash[1]}, "
                          f"actual sha256:{actual}", "hash",
                          expected=f"sha256:{cfg.hash[1]}", actual=f"sha256:{actual}")
    if not is_wasm(data):
        raise entry.error(CompileError, f"{cfg.path} is not a WebAssembly binary "
                          "(missing \\0asm header)", "path")
    return data


def build_wasm_function(entry: Entry, ctx: BuildContext) -> Target:
    cfg = parse_wasm_config(entry, binary=entry.kind != "function.wat", runtime=ctx.runtime)
    data = load_wasm_bytes(entry, cfg, ctx)
    runtime = ctx.runtime
    engine: WasmEngine = runtime.wasm
    component = is_component(data)
    try:
        declared = resolve_imports(cfg.imports, component=component)
    except HostImportError as exc:
        raise entry.error(ValidationError, str(exc), "imports") from None
    ids = {p.id for p in declared}
    setup = WasiSetup(entry, cfg.wasi, ctx, mounts_enabled=(
        "wasi:filesystem" in ids if component else "wasi1" in ids))
    hosts = HostContext(declared, setup, calls=runtime.calls, guard=runtime.guard,
                        warnings=runtime.warnings)
    hosts.warn(setup.warnings)
    plan = select_pool(cfg.pool)
    line = entry.origin.line
    if component:
        compiled = engine.compile_component(data, entry=entry.id, file=entry.origin.file, line=line)
        hosts.start_function = start_function(data)  # after validation: the bytes are sound
        if "max_retained_memory_bytes" in read_limits(entry, entry.data):
            # Components export no memory and wasmtime-py's store limiter reports no growth:
            # there is no size to compare (core modules recycle, core_function.py).
            hosts.warn([str(entry.error(
                LoadError, "limits.max_retained_memory_bytes is not enforced for components "
                "(wasmtime-py cannot read a component's memory size); limits.max_memory_bytes "
                "caps it", "limits"))])
        group = None
        if plan.type == "inline":
            # entries share an instance only when they would link and configure it alike
            wasi_key = json.dumps(cfg.wasi, sort_keys=True, default=str)
            group = (hashlib.sha256(data).hexdigest(), tuple(sorted(ids)), wasi_key)
        target: Target = ComponentFunctionTarget(entry, plan, ctx.generation, cfg, engine,
                                                 compiled, group, hosts)
    else:
        module = engine.compile_module(data, entry=entry.id, file=entry.origin.file, line=line)
        hosts.start_function = start_function(data)
        target = CoreFunctionTarget(entry, plan, ctx.generation, cfg, engine, module, hosts)
    if hosts.start_function is not None:
        # Instantiating runs guest code: a pool that starts empty (lazy, adaptive without
        # warm_start) makes its first instance now, so a start function that loops or traps
        # fails the load as it does for inline and static pools (scheduler/pools/lazy.py).
        target.pool.ensure_instance()
    return target
