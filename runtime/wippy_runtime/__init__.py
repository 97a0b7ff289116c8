"""wippy_runtime: a Python re-implementation of the Wippy WebAssembly runtime.

The engine only: registry, loader, WASM and Lua hosts, WIT mapping, pools and the `wippy`
CLI. It never imports Jupyter code; `wippy_kernel` is a thin layer on top of it.
"""

__version__ = "0.1.0"

from .errors import CallError, CompileError, LoadError, ValidationError, WippyError  # noqa: E402
from .runtime import Runtime  # noqa: E402

__all__ = ["Runtime", "WippyError", "LoadError", "ValidationError", "CompileError", "CallError"]
