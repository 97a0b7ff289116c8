"""`%%export` over a real kernel process."""

from __future__ import annotations

from ..helpers import ok
from .conftest import ADD, widget_with_fallback  # noqa: F401


def test_export_writes_one_index_per_namespace(kc, tmp_path):
    ok(kc, "%%lua app:one --modules funcs\nreturn { one = function() return 1 end }")
    res = ok(kc, f"%export {tmp_path}")
    assert "app/_index.yaml" in res.displays[0]["text/plain"]
    assert (tmp_path / "app" / "one.lua").read_text().startswith("return")
    assert "file://add.wat" in (tmp_path / "m" / "_index.yaml").read_text()
