"""Importing the runtime stays cheap: the heavy parts are built on first use.

The kernel and every `wippy` command import the runtime; building the WIT grammar (~70 ms)
or importing jsonschema (~1 s: rfc3987-syntax builds a grammar at import) there would be
paid by every process, including those that never parse WIT or validate JSON.
"""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

PROBE = """
import sys
import wippy_runtime
from wippy_runtime.wit import grammar
assert grammar._parser.cache_info().currsize == 0, "WIT grammar built at import"
heavy = sorted(m for m in ("jsonschema", "rfc3987_syntax") if m in sys.modules)
assert not heavy, f"imported at start-up: {heavy}"
"""


def test_importing_the_runtime_builds_no_grammar_and_skips_jsonschema():
    env = {"PYTHONPATH": f"{ROOT / 'runtime'}:{ROOT}", "PATH": "/usr/bin:/bin"}
    subprocess.run([sys.executable, "-c", PROBE], check=True, env=env, cwd=ROOT)
