"""`%%lsmagic` over a real kernel process."""

from __future__ import annotations

from ..helpers import ok
from .conftest import ADD, widget_with_fallback  # noqa: F401


def test_lsmagic_and_help(kc):
    names = ok(kc, "%lsmagic").displays[0]["text/plain"]
    for name in ("%%wat", "%%lua", "%%yaml", "%%wit", "%load", "%export", "%call", "%entries",
                 "%pools", "%imports"):
        assert name in names
    res = ok(kc, "%%wat?")
    page = res.reply["content"]["payload"][0]["data"]["text/plain"]
    assert "usage: %%wat" in page and "--wit" in page

def test_lsmagic_shows_each_first_sentence_whole(kc):
    text = ok(kc, "%lsmagic").displays[0]["text/plain"]
    line = next(ln for ln in text.splitlines() if ln.startswith("%imports"))
    assert line.rstrip().endswith("(a call to a stub fails naming it).") , line
    assert any(ln.startswith("%trace %%trace") for ln in text.splitlines()), text
