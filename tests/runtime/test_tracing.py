"""Call traces: nested spans with arguments, results and errors; zero wrapping while off."""

from __future__ import annotations

import pytest
from wippy_runtime import CallError
from wippy_runtime.errors import INVALID

ADD = '(module (func (export "add") (param i32 i32) (result i32) local.get 0 local.get 1 i32.add))'


@pytest.fixture
def app(runtime):
    runtime.define({"id": "t:add", "kind": "function.wat", "source": ADD, "method": "add",
                    "pool": {"type": "inline"}})
    runtime.define({"id": "t:sum3", "kind": "function.lua", "method": "main",
                    "modules": ["funcs"], "source": """return { main = function(a, b, c)
                        local ab = funcs.call("t:add", a, b)
                        return funcs.call("t:add", ab, c) end }"""})
    return runtime


def test_nested_calls_make_a_tree(app):
    app.tracer.start()
    assert app.call("t:sum3", 1, 2, 3) == 6
    (root,) = app.tracer.trees()
    assert (root.entry, root.args, root.result) == ("t:sum3", "1, 2, 3", "6")
    assert [(c.entry, c.args, c.result) for c in root.children] == [
        ("t:add", "1, 2", "3"), ("t:add", "3, 3", "6")]
    assert root.duration_us >= sum(c.duration_us for c in root.children)
    text = app.tracer.render()
    assert "t:sum3(1, 2, 3) -> 6" in text and "\n  t:add(1, 2) -> 3" in text


def test_errors_are_recorded(app):
    app.tracer.start()
    with pytest.raises(CallError):
        app.call("t:add", "x", 1)
    (span,) = app.tracer.trees()
    assert span.error_kind == INVALID and "expected s32" in span.error


def test_stop_restores_the_untraced_path(app):
    pool = app.targets["t:add"].pool
    fast = pool.invoke
    app.tracer.start()
    assert pool.invoke is not fast
    app.tracer.stop()
    assert pool.invoke is fast
    app.call("t:add", 1, 2)
    assert app.tracer.trees() == []


def test_entries_defined_while_tracing_are_traced(app):
    app.tracer.start()
    app.define({"id": "t:later", "kind": "function.wat", "source": ADD, "method": "add"})
    app.call("t:later", 2, 2)
    assert [s.entry for s in app.tracer.trees()] == ["t:later"]
    app.tracer.stop()
    pooled = app.targets["t:later"]
    assert "invoke" not in vars(pooled)  # the bound method again
