"""Helpers for the host-profile tests: entries over the `hosts` fixture component
(tests/fixtures/hosts) on a runtime whose WASI output is captured."""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[3]
if str(REPO / "runtime") not in sys.path[:1]:
    sys.path.insert(0, str(REPO / "runtime"))

from wippy_runtime import Runtime  # noqa: E402

FIXTURES = REPO / "tests" / "fixtures" / "hosts"
COMPONENT = FIXTURES / "hosts.component.wasm"
DIGEST = hashlib.sha256(COMPONENT.read_bytes()).hexdigest()
WASI1_WAT = FIXTURES / "wasi1.wat"
CONTEXT_COMPONENT = FIXTURES / "context.component.wasm"
CONTEXT_DIGEST = hashlib.sha256(CONTEXT_COMPONENT.read_bytes()).hexdigest()
HTTP_COMPONENT = FIXTURES / "http.component.wasm"
HTTP_DIGEST = hashlib.sha256(HTTP_COMPONENT.read_bytes()).hexdigest()

#: every profile the hosts component uses
ALL_PROFILES = ["wasi:random", "wasi:clocks", "wasi:poll", "wasi:io", "wasi:cli",
                "wasi:filesystem", "wasi:sockets", "wasi:http", "funcs"]


class Hosts:
    """A runtime plus helpers to define entries over the fixture component."""

    def __init__(self, runtime: Runtime, out: list[tuple[str, str]], base: Path) -> None:
        self.rt = runtime
        self.out = out
        self.base = base
        runtime.define({"id": "t:wasm", "kind": "fs.directory",
                        "directory": str(FIXTURES)}, base_dir=base)

    def component(self, name: str, method: str, imports: list[str] | None = None,
                  **extra: Any) -> Any:
        entry = {"id": f"t:{name}", "kind": "function.wasm", "fs": "t:wasm",
                 "path": COMPONENT.name, "hash": f"sha256:{DIGEST}", "method": method,
                 "imports": list(imports or []), **extra}
        return self.rt.define(entry, base_dir=self.base)

    def probe(self, name: str, method: str, imports: list[str] | None = None,
              **extra: Any) -> Any:
        """An entry over the `context` probe component (reads the inherited context)."""
        entry = {"id": f"t:{name}", "kind": "function.wasm", "fs": "t:wasm",
                 "path": CONTEXT_COMPONENT.name, "hash": f"sha256:{CONTEXT_DIGEST}",
                 "method": method, "imports": list(imports or []), **extra}
        return self.rt.define(entry, base_dir=self.base)

    def http(self, name: str, imports: list[str] | None = None, **extra: Any) -> Any:
        """An entry over the `http-client` component (`get-status`: one outgoing GET)."""
        entry = {"id": f"t:{name}", "kind": "function.wasm", "fs": "t:wasm",
                 "path": HTTP_COMPONENT.name, "hash": f"sha256:{HTTP_DIGEST}",
                 "method": "get-status", "imports": list(imports or []), **extra}
        return self.rt.define(entry, base_dir=self.base)

    def directory(self, name: str, path: Path) -> None:
        self.rt.define({"id": f"t:{name}", "kind": "fs.directory", "directory": str(path)},
                       base_dir=self.base)

    def lua(self, name: str, source: str, modules: tuple[str, ...] = ("funcs",)) -> None:
        self.rt.define({"id": f"t:{name}", "kind": "function.lua", "source": source,
                        "method": "main", "modules": list(modules)})

    def stdout(self) -> str:
        return "".join(text for stream, text in self.out if stream == "out")

    def stderr(self) -> str:
        return "".join(text for stream, text in self.out if stream == "err")
