"""One real kernel process per magic's test file, with `m:add` defined."""

from __future__ import annotations

import pytest
from jupyter_client.manager import start_new_kernel

from .. import kernelspec  # noqa: F401
from ..helpers import ok

ADD = """%%wat m:add
(module
  (func (export "add") (param i32 i32) (result i32)
    local.get 0
    local.get 1
    i32.add))"""

VIEW = "application/vnd.jupyter.widget-view+json"


@pytest.fixture(scope="module")
def kernel():
    km, kc = start_new_kernel(kernel_name="wippy", startup_timeout=60)
    ok(kc, ADD)
    yield km, kc
    kc.stop_channels()
    km.shutdown_kernel(now=True)


@pytest.fixture
def kc(kernel):
    return kernel[1]


def widget_with_fallback(displays: list[dict]) -> dict:
    """The one display that carries a widget view, checked to carry HTML and text too."""
    views = [d for d in displays if VIEW in d]
    assert len(views) == 1, displays
    view = views[0]
    assert "<table" in view["text/html"] or "<details" in view["text/html"], view["text/html"]
    assert view["text/plain"].strip()
    return view
