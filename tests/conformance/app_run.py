"""Running Wippy's own runtime test app with `wippy test --json`, for the conformance test and
for regenerating its expectations.

The app is part of the environment, not of this repository (it is Wippy's, and read-only):
it is looked up next to the project, or where `WIPPY_RUNTIME_TESTS_APP` says.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
EXPECTED = Path(__file__).resolve().parent / "expected_pass.txt"
ENV_VAR = "WIPPY_RUNTIME_TESTS_APP"
#: where this project's machines keep the app when the checkout is not beside `shared/`
WORKPLACE_APP = Path("/work/shared/wippy-runtime-tests/app")
#: per-test deadline inside `wippy test`: a hanging app test fails instead of hanging CI
TEST_TIMEOUT_S = 10
#: the whole run's deadline (the run takes seconds; this only stops a wedged process)
RUN_TIMEOUT_S = 110


class AppMissing(RuntimeError):
    pass


def find_app() -> Path:
    """The runtime test app: $WIPPY_RUNTIME_TESTS_APP, else `shared/wippy-runtime-tests/app`
    next to the project (or next to the worktree folder holding it)."""
    override = os.environ.get(ENV_VAR)
    candidates = [Path(override)] if override else [
        *(base / "shared" / "wippy-runtime-tests" / "app" for base in ROOT.parents),
        WORKPLACE_APP]
    for candidate in candidates:
        if (candidate / "src").is_dir():
            return candidate
    raise AppMissing(
        "Wippy's runtime test app was not found (looked at "
        f"{', '.join(str(c) for c in candidates[:3])}). It is part of the environment, not of "
        f"this repository: put it at ../shared/wippy-runtime-tests/app or set {ENV_VAR}.")


def run_app(app: Path, only: list[str] | None = None) -> dict[str, Any]:
    """`wippy test APP --json` in a subprocess (from a scratch directory, so nothing is
    written into the app); its JSON result, with `seconds` the wall time of the whole run.
    `only`: run just the tests whose ids contain one of these."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        [str(ROOT / "runtime"), str(ROOT), *filter(None, [env.get("PYTHONPATH")])])
    with tempfile.TemporaryDirectory(prefix="wippy-conformance-") as scratch:
        proc = subprocess.run(
            [sys.executable, "-m", "wippy_runtime", "test", str(app), "--json",
             "--timeout", str(TEST_TIMEOUT_S), *(only or [])],
            capture_output=True, text=True, timeout=RUN_TIMEOUT_S, cwd=scratch, env=env)
    lines = proc.stdout.strip().splitlines()
    if not lines:
        raise RuntimeError(f"wippy test printed no result (exit {proc.returncode}):\n"
                           f"{proc.stderr[-4000:]}")
    return json.loads(lines[-1])


def passing(result: dict[str, Any]) -> set[str]:
    return {t["id"] for t in result["tests"] if t["ok"]}


def read_expected() -> list[str]:
    return [line.strip() for line in EXPECTED.read_text().splitlines() if line.strip()]
