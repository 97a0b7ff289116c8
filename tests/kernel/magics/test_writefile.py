"""`%%writefile` over a real kernel process."""

from __future__ import annotations

from ..helpers import ok, run


def test_writefile_writes_and_appends(kc, tmp_path):
    target = tmp_path / "sub" / "f.lua"
    assert "wrote" in ok(kc, f"%%writefile {target}\nreturn 1").stdout
    ok(kc, f"%%writefile --append {target}\n-- more")
    assert target.read_text() == "return 1\n-- more\n"
    res = run(kc, f"%%writefile {tmp_path}\nx")  # a directory: a clear error, no crash
    assert res.status == "error" and "%%writefile" in res.error["evalue"]
