"""Compile the call shim (`_fastcall.c`) with the machine's C compiler, next to its source.

Standard library only: the wheel build hook (`hatch_build.py`) loads this file by path, in
an isolated build environment where neither this package nor its dependencies are
importable. It is also a command for development trees that were not reinstalled:
`python -m wippy_runtime.wasm.fastcall_build`.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
import sysconfig
from pathlib import Path

SOURCE = Path(__file__).with_name("_fastcall.c")


def target_path() -> Path:
    """Where the compiled module goes: beside its source, with this interpreter's suffix."""
    return SOURCE.with_name("_fastcall" + (sysconfig.get_config_var("EXT_SUFFIX") or ".so"))


def build(*, quiet: bool = False) -> tuple[Path | None, str]:
    """Compile; return (path, "") or (None, why it could not be built). `CC` in the
    environment overrides the interpreter's configured compiler, as for any C build."""
    cc = os.environ.get("CC") or sysconfig.get_config_var("CC") or "cc"
    include = sysconfig.get_paths()["include"]
    if not Path(include, "Python.h").exists():
        return None, f"Python headers not found in {include}"
    out = target_path()
    cmd = [*shlex.split(cc), "-shared", "-fPIC", "-O2", "-Wall", "-Wextra", "-Werror",
           f"-I{include}", str(SOURCE), "-o", str(out)]
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return None, f"C compiler not usable ({cc}): {exc}"
    if done.returncode != 0:
        return None, f"compiling {SOURCE.name} failed:\n{done.stderr.strip()}"
    if not quiet:
        print(f"built {out}")
    return out, ""


if __name__ == "__main__":
    path, why = build()
    if path is None:
        print(why, file=sys.stderr)
        sys.exit(1)
