"""`ns.dependency` entries: resolved only to modules that are part of the project."""

from __future__ import annotations

import pytest
from wippy_runtime import Runtime
from wippy_runtime.errors import LoadError
from wippy_runtime.kinds.ns_dependency import NsDependency


@pytest.fixture
def rt():
    runtime = Runtime(cache_dir=False)
    yield runtime
    runtime.close()


def project(tmp_path, lock: str) -> None:
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "_index.yaml").write_text(
        "namespace: app\nentries:\n  - name: dep\n    kind: ns.dependency\n"
        "    component: acme/tools\n    version: '>=1.0.0'\n")
    (tmp_path / "wippy.lock").write_text("directories: {modules: .wippy, src: ./src}\n" + lock)


def test_a_replaced_module_resolves(rt, tmp_path):
    (tmp_path / "vendor" / "tools").mkdir(parents=True)
    project(tmp_path, "replacements:\n  - {from: acme/tools, to: ./vendor/tools}\n")
    assert rt.load(tmp_path).errors == []
    dep = rt.built["app:dep"]
    assert isinstance(dep, NsDependency) and dep.path == tmp_path / "vendor" / "tools"


def test_an_unavailable_module_fails_with_what_to_do(rt, tmp_path):
    project(tmp_path, "replacements: []\n")
    errors = rt.load(tmp_path).errors
    assert len(errors) == 1 and errors[0].entry == "app:dep"
    assert "dependency resolution failed: acme/tools >=1.0.0" in str(errors[0])
    assert "wippy.lock replacement" in str(errors[0])


@pytest.mark.parametrize("data, message", [
    ({"component": "no-slash"}, "component must name a module"),
    ({"component": "a/b", "version": ""}, "version must be a version constraint"),
    ({"component": "a/b", "parameters": "x"}, "parameters must be a list"),
])
def test_bad_fields_name_the_field(rt, data, message):
    with pytest.raises(LoadError, match=message):
        rt.define({"id": "app:d", "kind": "ns.dependency", **data})
