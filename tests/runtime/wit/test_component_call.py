"""The generated component call (`component_call`) against the general path it hands over to.

The generated writer must (1) write every value in the shapes the runtime produces itself
without handing over, (2) give the same result as the general path (`convert` +
`component_write`) for those values, and (3) hand over everything else, so the general
path's rules and error messages stay the only ones.
"""

import pytest
from hypothesis import given
from test_wit_roundtrip import ECHOES, SETTINGS, WIT, same, values
from wippy_runtime.wasmtime_private import component_call_handles
from wippy_runtime.wit import ComponentFunction, WitValueError, parse_signatures
from wippy_runtime.wit.component_call import compile_call


class Spy:
    """A `general` that records that the generated call handed over, then runs it."""

    def __init__(self, general):
        self.general = general
        self.calls = 0

    def __call__(self, fref, ctx, args):
        self.calls += 1
        return self.general(fref, ctx, args)


def paths(component, name):
    """(fast(args), general(args), spy) for one echo export."""
    cf, func = component.func(name)
    fref, ctx = component_call_handles(component.store, func)
    compiled = compile_call(cf.type)
    spy = Spy(cf._general)

    def fast(args):
        return compiled.call(fref, ctx, spy, args)

    def general(args):
        return cf._general(fref, ctx, args)

    return fast, general, spy


@pytest.mark.parametrize("name", ECHOES)
def test_generated_call_writes_runtime_shapes_itself_and_agrees_with_the_general_path(
        name, echo_component):
    fast, general, spy = paths(echo_component, name)

    @SETTINGS
    @given(values(WIT[name].params[0].type))
    def check(value):
        before = spy.calls
        got = fast((value,))
        assert spy.calls == before, f"{name}: handed over {value!r}"
        assert same(got, value), (value, got)
        assert same(general((value,)), got)

    check()


LENIENT = [
    # (export, argument in a shape only the general path accepts, the echoed plain value)
    ("echo-u32", 3.0, 3),
    ("echo-f64", 2, 2.0),  # an int for a float is written directly
    ("echo-string", b"caf\xc3\xa9", "café"),
    ("echo-perms", ["read", "exec"], {"read": True, "exec": True}),
    ("echo-shape", "empty", {"empty": True}),
    ("echo-pair", (7, "x"), [7, "x"]),
    ("echo-bytes", [104, 105], b"hi"),
    ("echo-points", [{"x": 1.0, "y": 2}], [{"x": 1, "y": 2}]),
]


@pytest.mark.parametrize(("name", "arg", "expected"), LENIENT)
def test_other_accepted_shapes_are_handed_to_the_general_path(name, arg, expected,
                                                              echo_component):
    fast, general, spy = paths(echo_component, name)
    got = fast((arg,))
    assert same(got, expected), got
    assert spy.calls == (0 if name == "echo-f64" else 1)
    assert same(general((arg,)), expected)


@pytest.mark.parametrize(("name", "arg", "message"), [
    ("echo-u8", 300, "argument 1 (v: u8): value 300 out of range for u8 (0..255)"),
    ("echo-point", {"x": 1}, 'argument 1 (v: point): missing field "y"'),
    ("echo-point", {"x": 1, "y": 2, "z": 3}, 'argument 1 (v: point): unknown field "z"'),
    ("echo-strings", ["a", 5], "argument 1 (v: list<string>): v[2]: expected string, got "
                               "integer 5"),
    ("echo-color", "mauve", 'unknown enum case "mauve"'),
    ("echo-string", "\ud800", "invalid UTF-8 in string (unpaired surrogate)"),
])
def test_wrong_values_get_the_general_paths_error(name, arg, message, echo_component):
    fast, _general, spy = paths(echo_component, name)
    with pytest.raises(WitValueError) as info:
        fast((arg,))
    assert message in str(info.value)
    assert spy.calls == 1


def test_record_with_missing_option_field_is_written_directly(echo_component):
    fast, _general, spy = paths(echo_component, "echo-items")
    item = {"id": 1, "shape": {"circle": 1.5}, "tags": {}, "color": "red",
            "perms": {"read": True, "write": False}, "pos": {"x": 1, "y": -1},
            "score": {"err": "none yet"}}
    got = fast(([item],))
    assert spy.calls == 0
    assert got == [{**item, "label": None, "tags": [], "perms": {"read": True}}]


def test_wrong_argument_count_goes_to_the_general_path(echo_component):
    fast, _general, spy = paths(echo_component, "echo-u32")
    with pytest.raises(WitValueError, match="expected 1 argument, got 2"):
        fast((1, 2))
    assert spy.calls == 1


def test_own_handles_get_no_generated_writer_but_a_reader():
    sigs = parse_signatures("""
        resource blob;
        take: func(b: own<blob>) -> u32;
        peek: func(b: borrow<blob>) -> u32;
        make: func() -> own<blob>;
    """)
    assert compile_call(sigs["take"]).call is None
    assert compile_call(sigs["peek"]).call is not None
    made = compile_call(sigs["make"])
    assert "_take_resource" in made.source


def test_generated_source_is_shown_in_tracebacks(echo_component):
    cf, func = echo_component.func("transform-users")
    assert isinstance(cf, ComponentFunction)
    assert cf.source.startswith("def read(v):")
    fn = cf.bind(echo_component.store, func)
    with pytest.raises(WitValueError) as info:
        fn(([{"id": -1, "name": "x", "tags": [], "active": True}],))
    frames = [f.name for f in info.traceback]
    assert "call" in frames  # the generated function, with its source lines
    assert any("<component call" in str(f.path) for f in info.traceback)


@pytest.mark.parametrize(("sig", "n"), [("f: func(a: u32);", 1), ("f: func();", 0),
                                        ("f: func() -> u32;", 0)])
def test_every_arity_and_result_compiles(sig, n):
    compiled = compile_call(parse_signatures(sig)["f"])
    assert compiled.call is not None
    namespace = compiled.call.__globals__
    assert callable(namespace["call"]) and callable(namespace["read"])
    if n:
        assert callable(namespace["_free"])
