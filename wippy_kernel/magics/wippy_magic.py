"""`%wippy ARGS`: run the `wippy` command line (e.g. `wippy test DIR`) and show its output."""

from __future__ import annotations

import os
import shlex
import subprocess
import sys

from .base import Magic, MagicContext, MagicError

#: seconds before a `%wippy` command is stopped
TIMEOUT_S = 300


class WippyMagic(Magic):
    """Run the `wippy` command line in a fresh process, as a terminal would, and show its
    output: `%wippy test DIR` runs a project's tests exactly as CI does, which is the check
    that an exported project works outside this notebook. The kernel's own runtime is not
    involved. A non-zero exit status is an error.

        %wippy test build/project
        %wippy entries build/project
    """

    name = "wippy"
    posix_quotes = True

    def run(self, ctx: MagicContext, line: str, body: str | None) -> None:
        try:
            args = shlex.split(line)
        except ValueError as exc:
            raise MagicError("UsageError", f"%wippy: {exc}") from None
        if not args:
            raise MagicError("UsageError", "%wippy: expected a command, e.g. %wippy test DIR")
        env = dict(os.environ, COLUMNS=os.environ.get("COLUMNS", "100"), NO_COLOR="1")
        env["PYTHONPATH"] = os.pathsep.join(p for p in sys.path if p)
        try:
            proc = subprocess.run([sys.executable, "-m", "wippy_runtime", *args], cwd=ctx.cwd,
                                  env=env, capture_output=True, text=True, timeout=TIMEOUT_S)
        except subprocess.TimeoutExpired:
            raise MagicError("TimeoutError", f"%wippy {line}: stopped after {TIMEOUT_S} s") \
                from None
        if proc.stdout:
            ctx.stdout(proc.stdout)
        if proc.stderr:
            ctx.stderr(proc.stderr)
        if proc.returncode != 0:
            raise MagicError("WippyExit", f"`wippy {line}` exited with status {proc.returncode}")


MAGIC = WippyMagic()
