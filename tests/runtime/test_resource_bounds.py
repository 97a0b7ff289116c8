"""Bounded resources, written as attacks: an entry cannot pin memory beyond its caps, on the
Python side (payloads, channel buffers) or in WASM linear memory and tables."""

import pytest
from wippy_runtime.errors import CallError
from wippy_runtime.runtime import Runtime

ADD = ('(module (func (export "add") (param i32 i32) (result i32) '
       'local.get 0 local.get 1 i32.add))')
#: grows memory a page at a time until memory.grow answers -1; returns the pages it reached
GROW_ALL = """(module (memory (export "memory") 1)
  (func (export "grow") (result i32)
    (block $done (loop $l
      (br_if $done (i32.eq (memory.grow (i32.const 1)) (i32.const -1)))
      (br $l)))
    (memory.size)))"""
#: grows and touches every page (RSS, not only reservations)
GROW_TOUCH = """(module (memory (export "memory") 1)
  (func (export "grow") (param $pages i32) (result i32) (local $i i32)
    (if (i32.eq (memory.grow (local.get $pages)) (i32.const -1)) (then (return (i32.const -1))))
    (block $done (loop $l
      (br_if $done (i32.ge_u (local.get $i) (i32.mul (memory.size) (i32.const 65536))))
      (i32.store8 (local.get $i) (i32.const 1))
      (local.set $i (i32.add (local.get $i) (i32.const 4096)))
      (br $l)))
    (memory.size)))"""
TABLE_BOMB = """(module (table (export "t") 1 funcref)
  (func (export "grow") (result i32) (table.grow (ref.null func) (i32.const 100000000))))"""


def rss_mib() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * 4096 / (1024 * 1024)


@pytest.fixture
def rt():
    runtime = Runtime(cache_dir=False)
    runtime.define({"id": "t:ok", "kind": "function.wat", "source": ADD, "method": "add"})
    yield runtime
    runtime.close()


def _lua(rt, body, **extra):
    rt.define({"id": "t:hog", "kind": "function.lua", "method": "main",
               "source": f"local keep = {{}}\nlocal function main() {body} end\n"
                         "return { main = main }", **extra})


def test_payloads_cannot_pin_a_gigabyte(rt):
    before = rss_mib()
    _lua(rt, "for i = 1, 1024 do keep[i] = payload.new(('x'):rep(1 << 20)) end return #keep")
    with pytest.raises(CallError, match="Lua memory limit exceeded") as info:
        rt.call("t:hog")
    assert info.value.entry == "t:hog"
    after = rss_mib()
    print(f"payload attack: RSS {before:.0f} MiB -> {after:.0f} MiB")
    assert after - before < 200
    assert rt.call("t:ok", 1, 2) == 3


def test_payload_memory_is_given_back_when_payloads_go(rt):
    _lua(rt, "for i = 1, 40 do local p = payload.new(('x'):rep(1 << 20)) end "
             "return payload.new('small'):data()")
    for _ in range(3):
        assert rt.call("t:hog") == "small"


def test_buffered_channel_values_count_against_the_cap(rt):
    _lua(rt, "local ch = channel.new(100000)\n"
             "for i = 1, 100000 do ch:send(('y'):rep(1 << 16) .. i) end return 1")
    with pytest.raises(CallError, match="Lua memory limit exceeded"):
        rt.call("t:hog")
    assert rt.call("t:ok", 2, 2) == 4


def test_wasm_memory_grow_stops_at_the_default_cap(rt):
    rt.define({"id": "t:grow", "kind": "function.wat", "source": GROW_ALL, "method": "grow",
               "limits": {"max_execution_ms": 20000}})
    assert rt.call("t:grow") == 256 * 1024 * 1024 // 65536
    assert rt.call("t:ok", 1, 1) == 2


def test_wasm_memory_cap_from_options_limits(rt):
    rt.define({"id": "t:grow", "kind": "function.wat", "source": GROW_TOUCH, "method": "grow",
               "options": {"limits": {"max_memory_bytes": 8 * 1024 * 1024}}})
    before = rss_mib()
    assert rt.call("t:grow", 4096) == -1        # 256 MiB asked, 8 MiB allowed
    assert rt.call("t:grow", 64) == 65         # the same instance still grows within its cap
    after = rss_mib()
    print(f"WASM memory attack: RSS {before:.0f} MiB -> {after:.0f} MiB")
    assert after - before < 64
    assert rt.call("t:ok", 1, 1) == 2


def test_wasm_instance_above_retained_memory_is_recycled(rt):
    rt.define({"id": "t:grow", "kind": "function.wat", "source": GROW_TOUCH, "method": "grow",
               "pool": {"type": "inline"},
               "limits": {"max_retained_memory_bytes": 4 * 1024 * 1024}})
    assert rt.call("t:grow", 128) == 129        # 8 MiB touched: above 4 MiB retained
    target = rt.targets["t:grow"]
    assert target.recycled == 1
    assert rt.call("t:grow", 0) == 1            # a fresh instance: memory back to one page
    assert target.recycled == 1


def test_wasm_table_growth_is_capped(rt):
    rt.define({"id": "t:table", "kind": "function.wat", "source": TABLE_BOMB, "method": "grow"})
    assert rt.call("t:table") == -1
    assert rt.call("t:ok", 3, 4) == 7


@pytest.mark.parametrize("limits", [{"max_memory_bytes": -1}, {"max_memory_bytes": "1GB"},
                                    {"max_retained_memory_bytes": True}])
def test_bad_memory_limits_are_load_errors(rt, limits):
    with pytest.raises(Exception, match="limits.max_") as info:
        rt.define({"id": "t:bad", "kind": "function.wat", "source": ADD, "method": "add",
                   "limits": limits})
    assert "t:bad" in str(info.value)
    assert rt.call("t:ok", 1, 2) == 3


#: a component whose core module grows its (unexportable) memory by `pages`
GROW_COMPONENT = """(component
  (core module $m (memory 1)
    (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0))))
  (core instance $i (instantiate $m))
  (func (export "grow") (param "pages" u32) (result s32) (canon lift (core func $i "grow"))))"""


def test_component_memory_is_capped_and_retained_memory_is_said_to_be_unenforced(rt):
    """A component's memory cannot be read from wasmtime-py (components export no memory;
    the C API's store limiter has no growth callback), so `max_retained_memory_bytes` cannot
    recycle it: the load says so instead of ignoring it, and `max_memory_bytes` (a store
    limit) still caps it."""
    rt.define({"id": "t:comp", "kind": "function.wat", "source": GROW_COMPONENT,
               "method": "grow", "limits": {"max_memory_bytes": 8 * 1024 * 1024,
                                            "max_retained_memory_bytes": 4 * 1024 * 1024}})
    warnings = [w for w in rt.warnings if "t:comp" in w]
    assert warnings == ["t:comp: limits.max_retained_memory_bytes is not enforced for "
                        "components (wasmtime-py cannot read a component's memory size); "
                        "limits.max_memory_bytes caps it"]
    assert rt.call("t:comp", 256) == -1      # 16 MiB asked, 8 MiB allowed
    assert rt.call("t:comp", 64) == 1        # grows within the cap: from 1 page
    rt.define({"id": "t:plain", "kind": "function.wat", "source": GROW_COMPONENT,
               "method": "grow"})            # the default is not worth a warning
    assert not [w for w in rt.warnings if "t:plain" in w]
