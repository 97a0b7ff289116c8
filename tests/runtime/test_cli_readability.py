"""`wippy entries` at 80 and 120 columns, load errors under the table, help on every
argument (the command run as a user runs it: a subprocess with COLUMNS set)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from wippy_runtime.cli import build_parser

ROOT = Path(__file__).resolve().parents[2]
HELLO = ROOT / "examples" / "hello"
SEED = ROOT / "examples" / "seed-core"

BROKEN = """namespace: app
entries:
  - name: fine
    kind: function.wat
    method: fine
    wit: "fine: func(a: s32) -> s32"
    source: (module (func (export "fine") (param i32) (result i32) local.get 0))
  - name: broken
    kind: function.wat
    method: broken
    source: (module (func (export "broken") i32.bogus))
"""


def entries(app: Path, columns: int) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, COLUMNS=str(columns), NO_COLOR="1", TERM="dumb")
    return subprocess.run([sys.executable, "-m", "wippy_runtime", "entries", str(app)],
                          capture_output=True, text=True, timeout=120, env=env)


@pytest.mark.parametrize("columns", [80, 120])
@pytest.mark.parametrize("app", [HELLO, SEED], ids=["hello", "seed-core"])
def test_entries_fit_and_never_break_a_word(app, columns):
    from wippy_runtime import Runtime

    rt = Runtime(cache_dir=False)
    rt.load(app)
    signatures = [i.signature for i in rt.describe() if i.signature]
    rt.close()
    r = entries(app, columns)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert all(len(line) <= columns for line in lines), max(lines, key=len)
    words = {w for line in lines for w in line.split()}
    for sig in signatures:  # every word of every signature appears whole
        for word in sig.split():
            assert word in words, (word, r.stdout)


@pytest.mark.parametrize("columns", [80, 120])
def test_load_errors_are_listed_under_the_table(tmp_path, columns):
    (tmp_path / "_index.yaml").write_text(BROKEN)
    r = entries(tmp_path, columns)
    assert r.returncode == 2
    assert "failed to load (see below)" in r.stdout
    assert "i32.bogus" not in r.stdout  # not in the signature column
    errors = " ".join(r.stderr.split())
    assert "1 load error(s):" in errors and "app:broken: invalid WAT at line 1" in errors
    assert "fine: func(a: s32) -> s32" in r.stdout


def test_every_argument_has_help():
    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    for name, command in sub.choices.items():
        for action in command._actions:
            assert action.help, f"wippy {name}: {action.dest} has no help text"
