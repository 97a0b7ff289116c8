from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from wippy_runtime import Runtime

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"


@pytest.fixture(params=["compiled", "ctypes"])
def both_call_paths(request: pytest.FixtureRequest) -> Iterator[str]:
    """Run a test once on the compiled call shim and once on the ctypes path (instances built
    during the test take the chosen path); both must behave identically."""
    from wippy_runtime.wasm import fastcall

    before = fastcall.ACTIVE
    fastcall.set_active(request.param == "compiled")
    try:
        yield request.param
    finally:
        fastcall.set_active(before)


@pytest.fixture
def runtime(tmp_path: Path) -> Iterator[Runtime]:
    rt = Runtime(cache_dir=tmp_path / "cache")
    yield rt
    rt.close()


@pytest.fixture
def write_app(tmp_path: Path):
    """Write files of a small app under tmp_path/app and return its directory."""

    def write(files: dict[str, str | bytes]) -> Path:
        app = tmp_path / "app"
        for name, content in files.items():
            path = app / name
            path.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, bytes):
                path.write_bytes(content)
            else:
                path.write_text(content)
        return app

    return write
