"""`%wippy` over a real kernel process."""

from __future__ import annotations

from pathlib import Path

from ..helpers import ok, run

EXAMPLES = Path(__file__).resolve().parents[3] / "examples"


def test_wippy_runs_the_command_line_and_reports_its_status(kc):
    res = ok(kc, f"%wippy test {EXAMPLES / 'seed-core'}")
    assert "myns:seed" in res.stdout and "passed" in res.stdout, res.text()
    res = run(kc, f"%wippy call {EXAMPLES / 'hello'} ns:nothere")
    assert res.status == "error" and "exited with status" in res.error["evalue"]
    assert run(kc, "%wippy").error["ename"] == "UsageError"
