"""`python -m wippy_kernel install [--user|--sys-prefix|--prefix P]`: register the kernelspec.

The wheel (editable ones too, with hatchling) also ships `wippy_kernel/kernelspec/kernel.json`
as shared-data, so `pip install .` needs no second step; this command exists for a Jupyter that
runs from another environment (`--user`: argv[0] is then this interpreter's absolute path) and
for installers that skip shared-data (ILua #13 "No such kernel named lua").
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

from jupyter_client.kernelspec import KernelSpecManager

KERNEL_NAME = "wippy"
DISPLAY_NAME = "Wippy (Lua + WASM)"


def kernel_json(python: str = sys.executable, env: dict[str, str] | None = None) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "argv": [python, "-m", "wippy_kernel", "-f", "{connection_file}"],
        "display_name": DISPLAY_NAME,
        "language": "lua",
        "interrupt_mode": "signal",
        "metadata": {"debugger": False},
    }
    if env:
        spec["env"] = env
    return spec


def install(*, user: bool = False, prefix: str | None = None,
            env: dict[str, str] | None = None) -> str:
    """Write kernel.json to a temp dir and install it; return the installed path."""
    with tempfile.TemporaryDirectory() as td:
        (Path(td) / "kernel.json").write_text(json.dumps(kernel_json(env=env), indent=1))
        return KernelSpecManager().install_kernel_spec(td, KERNEL_NAME, user=user,
                                                       prefix=prefix)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m wippy_kernel install",
                                 description="Install the Wippy Jupyter kernelspec.")
    where = ap.add_mutually_exclusive_group()
    where.add_argument("--user", action="store_true", help="install for the current user")
    where.add_argument("--sys-prefix", action="store_true", help=f"install into {sys.prefix}")
    where.add_argument("--prefix", help="install into this prefix")
    args = ap.parse_args(argv)
    prefix = sys.prefix if args.sys_prefix else args.prefix
    user = args.user or (prefix is None and not _writable_system())
    path = install(user=user, prefix=prefix)
    print(f"Installed kernelspec {KERNEL_NAME!r} in {path}")
    return 0


def _writable_system() -> bool:
    import os
    return os.access(KernelSpecManager().kernel_dirs[-1], os.W_OK) if \
        KernelSpecManager().kernel_dirs else False
