"""Wheel build hook: compile the call shim when a C compiler is available.

With a compiler and Python's headers the wheel carries `wippy_runtime/wasm/_fastcall*.so` and
is platform-specific; without them it stays pure Python and the runtime uses its ctypes call
path (`wippy --version` says which path is active). Editable installs compile in place, so
`pip install -e .` gives a development tree the compiled path too.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

BUILD_SCRIPT = Path(__file__).parent / "runtime" / "wippy_runtime" / "wasm" / "fastcall_build.py"


class CustomBuildHook(BuildHookInterface):
    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        if self.target_name != "wheel":
            return
        spec = importlib.util.spec_from_file_location("fastcall_build", BUILD_SCRIPT)
        assert spec is not None and spec.loader is not None
        script = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(script)
        path, why = script.build(quiet=True)
        if path is None:
            self.app.display_warning(f"wippy-kernel: compiled call path not built ({why}); "
                                     "the ctypes call path will be used")
            return
        self.app.display_info(f"wippy-kernel: built the compiled call path {path.name}")
        build_data["pure_python"] = False
        build_data["infer_tag"] = True
        relative = path.relative_to(Path(self.root)).as_posix()
        if version == "editable":
            return  # the editable wheel points at the source tree, where the module now is
        build_data["force_include"][relative] = "wippy_runtime/wasm/" + path.name
