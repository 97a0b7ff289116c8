"""The committed WebAssembly fixtures are exactly what build.py makes from their sources."""

import hashlib
import importlib.util
import json
import subprocess

from wit_helpers import FIXTURES, WASM_TOOLS, ours, reference


def load_build():
    spec = importlib.util.spec_from_file_location("fixture_build", FIXTURES / "build.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_rebuild_is_byte_identical(tmp_path):
    build = load_build()
    digests = build.build(tmp_path)
    committed = {name: hashlib.sha256((FIXTURES / name).read_bytes()).hexdigest()
                 for name in build.OUTPUTS}
    assert digests == committed, "run: python tests/fixtures/components/build.py"
    assert build.sums_text(digests) == (FIXTURES / "SHA256SUMS").read_text()


def test_core_module_has_no_component_only_parts():
    out = subprocess.run([WASM_TOOLS, "print", str(FIXTURES / "echo.core.wasm")],
                         check=True, capture_output=True, text=True).stdout
    assert "(import" not in out
    assert "[constructor]counter" not in out
    assert '(export "cabi_realloc"' in out and '(export "memory"' in out


def test_component_wit_matches_the_source(tmp_path):
    """The WIT embedded in the built component resolves to the same exports as echo.wit."""
    text = subprocess.run([WASM_TOOLS, "component", "wit", "--json",
                           str(FIXTURES / "echo.component.wasm")],
                          check=True, capture_output=True, text=True).stdout
    exported = json.loads(text)["worlds"][0]["exports"]
    assert "transform-users" in exported and "echo-items" in exported


def test_fixture_wit_sources_match_wasm_tools(tmp_path):
    for wit in sorted(FIXTURES.glob("*.wit")):
        source = wit.read_text()
        assert ours(source) == reference(source, tmp_path), wit.name
