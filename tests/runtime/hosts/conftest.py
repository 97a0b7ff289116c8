"""The `hosts` fixture: a runtime whose WASI output is captured (see hosts_helpers.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from hosts_helpers import Hosts, Runtime


@pytest.fixture
def hosts(tmp_path: Path) -> Iterator[Hosts]:
    out: list[tuple[str, str]] = []
    rt = Runtime(cache_dir=tmp_path / "cache", output=lambda t: out.append(("out", t)),
                 error_output=lambda t: out.append(("err", t)))
    yield Hosts(rt, out, tmp_path)
    rt.close()
