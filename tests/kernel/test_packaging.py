"""pyproject.toml ships what an installed kernel needs.

A dependency that is only present because something else pulls it in (pygments, comm and
jupyter_client come with ipykernel today) breaks a plain `pip install .` the day that changes,
and a missing shared-data entry makes `jupyter kernelspec list` miss the kernel.
"""

from __future__ import annotations

import ast
import re
import sys
from importlib.metadata import packages_distributions

from .kernelspec import ROOT

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    from pip._vendor import tomli as tomllib

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
