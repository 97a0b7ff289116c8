"""The five teaching notebooks: shape (goal, steps, exercises, summary), shipped clean, and run
headless through nbclient against the real kernel: as shipped (no error output, every check
says "not yet", the key outputs are there) and with each exercise's solution filled in (every
check passes). Each run works on a copy whose `..` has the repository's examples and fixtures,
so the notebooks' `build/` files land in a temporary directory."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from wippy_kernel.kernel import WippyKernel

from . import kernelspec  # noqa: F401

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = ["01-tour", "02-wit-types", "03-async-and-processes", "04-security-and-wasi",
             "05-live-prototyping"]

#: what each notebook must show when run as shipped
KEY_OUTPUTS = {
    "01-tour": ["42", "result:\t13\terr:\tnil", 'expected s32, got string "six"', '"@Alice"',
                "myns:compute", "app:double(7) -> 14"],
    "02-wit-types": ["value 256 out of range for u8", 'rect = {2.0, 3.0}',
                     "users[2].name: expected string, got integer 5", "perms = {exec = true"],
    "03-async-and-processes": ["concurrent 1", "totals = {5, 15, 35}", "max_execution_ms"],
    "04-security-and-wasi": ["add `wasi:random` to imports", '"hello from the host\\n"',
                             'escape = "not-permitted"', 'actor = "alice"',
                             "permission denied: funcs.call on sec:add"],
    "05-live-prototyping": ['"Hello, ada!"', "errors = 0", "PASS live:greet_test",
                            "live:greet       2", 'hottest = "roof"',
                            'reading 1: celsius: expected number, got "hot"'],
}


def load(name: str) -> nbformat.NotebookNode:
    return nbformat.read(ROOT / "notebooks" / f"{name}.ipynb", as_version=4)


def checks(nb: nbformat.NotebookNode) -> list[nbformat.NotebookNode]:
    return [c for c in nb.cells if c.cell_type == "code" and "check(" in c.source
            and "function check" not in c.source]


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebook_shape_and_clean_shipping(name):
    nb = load(name)
    code = [c for c in nb.cells if c.cell_type == "code"]
    prose = [c for c in nb.cells if c.cell_type == "markdown"]
    assert len(code) >= 12 and len(prose) >= 8, (len(code), len(prose))
    assert nb.cells[0].cell_type == "markdown" and "**Goal.**" in nb.cells[0].source
    assert "## Summary" in nb.cells[-1].source
    exercises = [c for c in code if c.metadata.get("wippy", {}).get("solution")]
    assert len(exercises) >= 2 and len(checks(nb)) >= len(exercises)
    # shipped clean: no outputs, no counts, and the kernel's own language_info, so opening
    # the notebook does not make the front end rewrite its metadata
    assert all(c.outputs == [] and c.execution_count is None for c in code)
    assert nb.metadata.language_info == WippyKernel.language_info
    assert nb.metadata.kernelspec.name == "wippy"
    raw = (ROOT / "notebooks" / f"{name}.ipynb").read_text()
    assert raw == nbformat.writes(nbformat.reads(raw, as_version=4)) + "\n"


def run_copy(name: str, tmp_path: Path, *, solutions: bool) -> nbformat.NotebookNode:
    (tmp_path / "notebooks").mkdir()
    for part in ("examples", "tests"):
        (tmp_path / part).symlink_to(ROOT / part)
    nb = load(name)
    if solutions:
        for cell in nb.cells:
            solution = cell.metadata.get("wippy", {}).get("solution")
            if solution:
                cell.source = solution
    NotebookClient(nb, kernel_name="wippy", timeout=120, resources={
        "metadata": {"path": str(tmp_path / "notebooks")}}).execute()
    return nb


def output_text(cells: list[nbformat.NotebookNode]) -> str:
    parts = []
    for cell in cells:
        for out in cell.get("outputs", []):
            parts.append(out.get("text", "") or out.get("data", {}).get("text/plain", ""))
    return "\n".join(parts)


def errors(nb: nbformat.NotebookNode) -> list[str]:
    return [f"{o.ename}: {o.evalue}" for c in nb.cells if c.cell_type == "code"
            for o in c.outputs if o.output_type == "error"]


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebook_runs_headless_as_shipped(name, tmp_path):
    nb = run_copy(name, tmp_path, solutions=False)
    assert errors(nb) == []
    text = output_text(nb.cells)
    for fragment in KEY_OUTPUTS[name]:
        assert fragment in text, (fragment, text[-3000:])
    for cell in checks(nb):  # unsolved exercises: the checks can fail, and say so
        assert "✗ not yet" in output_text([cell]), cell.source


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebook_exercises_solved_pass_their_checks(name, tmp_path):
    nb = run_copy(name, tmp_path, solutions=True)
    assert errors(nb) == []
    for cell in checks(nb):
        out = output_text([cell])
        assert "✓" in out and "✗" not in out, (cell.source, out)


def test_binder_opens_the_tour():
    readme = (ROOT / "README.md").read_text()
    assert "urlpath=%2Flab%2Ftree%2Fnotebooks%2F01-tour.ipynb" in readme
    assert (ROOT / "notebooks" / "01-tour.ipynb").exists()
    assert json.loads((ROOT / "notebooks" / "01-tour.ipynb").read_text())["nbformat"] == 4
