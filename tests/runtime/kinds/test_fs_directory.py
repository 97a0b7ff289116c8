"""`fs.directory` entries: auto_init, mode, and module-relative directories."""

from __future__ import annotations

import stat

import pytest
from wippy_runtime import Runtime
from wippy_runtime.errors import LoadError


@pytest.fixture
def rt():
    runtime = Runtime(cache_dir=False)
    yield runtime
    runtime.close()


def test_missing_directory_is_an_error_without_auto_init(rt, tmp_path):
    with pytest.raises(LoadError, match="does not exist"):
        rt.define({"id": "app:d", "kind": "fs.directory", "directory": str(tmp_path / "no")})


def test_auto_init_creates_the_directory_with_its_mode(rt, tmp_path):
    target = tmp_path / "made" / "here"
    built = rt.define({"id": "app:d", "kind": "fs.directory", "directory": str(target),
                       "auto_init": True, "mode": "0700"})
    assert target.is_dir() and built.root == target
    assert stat.S_IMODE(target.stat().st_mode) == 0o700


def test_bad_mode_names_the_field(rt, tmp_path):
    with pytest.raises(LoadError, match="mode '9x' is not an octal file mode"):
        rt.define({"id": "app:d", "kind": "fs.directory", "directory": str(tmp_path / "m"),
                   "auto_init": True, "mode": "9x"})


def test_module_directory_resolves_against_the_module_root(rt, tmp_path):
    """A module listed in wippy.lock `replacements` owns its relative directories."""
    mod = tmp_path / "modules" / "fixture"
    (mod / "src").mkdir(parents=True)
    (mod / "assets").mkdir()
    (mod / "assets" / "hello.txt").write_text("from the module")
    (mod / "src" / "_index.yaml").write_text(
        "namespace: lib.fixture\nentries:\n  - name: assets\n    kind: fs.directory\n"
        "    directory: ./assets\n    auto_init: true\n")
    (tmp_path / "wippy.lock").write_text(
        "directories: {modules: .wippy, src: ./src}\n"
        "replacements:\n  - {from: lib/fixture, to: ./modules/fixture}\n")
    report = rt.load(tmp_path)
    assert report.errors == []
    assert rt.built["lib.fixture:assets"].root == (mod / "assets").resolve()
    assert not (tmp_path / "assets").exists()  # auto_init did not create one in the project
