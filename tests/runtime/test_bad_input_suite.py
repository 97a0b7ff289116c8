"""The consolidated bad-input suite (issue #6): every case feeds the runtime one kind of bad
input — YAML, WAT, WIT, Lua escape attempts, argument values, hashes, paths with `..`, huge
inputs — asserts the *specific* error text (which names the entry when there is one), and then
checks that the same runtime still serves its healthy entries (WAT, Lua, a component).

All cases share one runtime on purpose: bad input must not leave anything behind that breaks
the next call, so the damage of every earlier case is part of every later check.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import wasmtime
from wippy_runtime import Runtime
from wippy_runtime.errors import CallError, LoadError
from wippy_runtime.registry.loader import MAX_DEFINITION_CHARS

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
ECHO = FIXTURES / "components" / "echo.component.wasm"
ECHO_CORE = FIXTURES / "components" / "echo.core.wasm"
ECHO_WIT = (FIXTURES / "components" / "echo.wit").read_text()
CONTEXT = FIXTURES / "hosts" / "context.component.wasm"
WAT_OK = '(module (func (export "f") (result i32) i32.const 1))'
WASM_OK = bytes(wasmtime.wat2wasm(WAT_OK))


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass
class Env:
    rt: Runtime
    app: Path       # a project directory on disk (bin/, secret file next to it)

    # -- ways to provoke an error; each returns the error text ------------------------------
    def load(self, body: str, namespace: str = "b") -> str:
        """Load YAML text (entries indented under `entries:`) and return its only error."""
        return self.load_raw(f"namespace: {namespace}\nentries:\n{body}")

    def load_raw(self, text: str) -> str:
        report = self.rt.load_text(text, base_dir=self.app)
        assert len(report.errors) == 1, [str(e) for e in report.errors]
        return str(report.errors[0])

    def load_project(self, index: str) -> str:
        """Write `index` as the project's _index.yaml, load the directory, return its error."""
        (self.app / "_index.yaml").write_text(index)
        report = self.rt.load(self.app)
        assert len(report.errors) == 1, [str(e) for e in report.errors]
        return str(report.errors[0])

    def load_warning(self, body: str, namespace: str = "b") -> str:
        """Load YAML text that loads with exactly one warning (Wippy ignores unknown fields;
        this runtime says so) and return the warning."""
        report = self.rt.load_text(f"namespace: {namespace}\nentries:\n{body}",
                                   base_dir=self.app)
        assert report.errors == [] and len(report.warnings) == 1, report
        return report.warnings[0]

    def define(self, entry: dict[str, Any]) -> str:
        return self.fails(lambda: self.rt.define(entry, base_dir=self.app))

    def call(self, entry_id: str, *args: Any, **kw: Any) -> str:
        return self.fails(lambda: self.rt.call(entry_id, *args, **kw))

    def lua(self, body: str) -> str:
        """Define `b:lua` running `body` and call it; return the error text."""
        self.rt.define({"id": "b:lua", "kind": "function.lua", "method": "main",
                        "modules": ["funcs", "security", "ctx"],
                        "source": f"return {{ main = function(...)\n{body}\nend }}"})
        return self.call("b:lua")

    def limited(self, body: str, ms: int = 150, **extra: Any) -> str:
        """Define `b:lim` (limits.max_execution_ms = ms) running `body`, call it, return the
        error text (the attack must end in an error, and quickly)."""
        self.rt.define({"id": "b:lim", "kind": "function.lua", "method": "main",
                        "modules": ["funcs", "time"], "limits": {"max_execution_ms": ms},
                        "source": f"return {{ main = function(...)\n{body}\nend }}", **extra})
        return self.call("b:lim")

    def wat_def(self, name: str, source: str, method: str = "f", **extra: Any) -> str:
        return self.define({"id": f"b:{name}", "kind": "function.wat", "source": source,
                            "method": method, **extra})

    def as_actor(self, body: str, allow: list[str]) -> str:
        """Run `body` in `b:act` as actor mallory, allowed only `allow` (on anything) and
        calling b:act itself."""
        self.rt.define({"id": "b:allow", "kind": "security.policy",
                        "policy": {"actions": allow, "resources": "*", "effect": "allow"}})
        self.rt.define({"id": "b:allow-act", "kind": "security.policy",
                        "policy": {"actions": "funcs.call", "resources": "b:act",
                                   "effect": "allow"}})
        self.rt.define({"id": "b:act", "kind": "function.lua", "method": "main",
                        "modules": ["funcs", "time"],
                        "source": f"return {{ main = function(...)\n{body}\nend }}"})
        return self.call("b:act", actor="mallory", scope=["b:allow", "b:allow-act"])

    @staticmethod
    def fails(fn: Callable[[], Any]) -> str:
        try:
            value = fn()
        except (CallError, LoadError) as exc:
            return str(exc)
        raise AssertionError(f"no error; got {value!r:.200}")


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Env]:
    base = tmp_path_factory.mktemp("bad")
    app = base / "app"
    (app / "bin").mkdir(parents=True)
    (app / "bin" / "f.wasm").write_bytes(WASM_OK)
    (app / "bin" / "text.wasm").write_text("hello")
    (app / "bin" / "cut.wasm").write_bytes(WASM_OK[:-3])
    (base / "secret.lua").write_text("return { main = function() return 'secret' end }")
    os.symlink(base / "secret.lua", app / "bin" / "link.wasm")
    rt = Runtime(cache_dir=False)
    rt.define({"id": "b:fs", "kind": "fs.directory", "directory": str(app / "bin")})
    rt.define({"id": "b:fx", "kind": "fs.directory", "directory": str(ECHO.parent)})
    rt.define({"id": "b:hx", "kind": "fs.directory", "directory": str(CONTEXT.parent)})
    # the healthy entries every case checks afterwards
    rt.define({"id": "h:wat", "kind": "function.wat", "method": "add", "source":
               '(module (func (export "add") (param i32 i32) (result i32) '
               'local.get 0 local.get 1 i32.add))'})
    rt.define({"id": "h:lua", "kind": "function.lua", "method": "main", "modules": ["funcs"],
               "source": "return { main = function(a) return funcs.call('h:wat', a, 1) end }"})
    for name, fn in (("echo-u32", "echo-u32"), ("echo-string", "echo-string"),
                     ("echo-point", "echo-point"), ("echo-color", "echo-color"),
                     ("echo-perms", "echo-perms"), ("echo-char", "echo-char"),
                     ("echo-s32s", "echo-s32s"), ("echo-s32", "echo-s32"),
                     ("echo-pair", "echo-pair"), ("echo-shape", "echo-shape"),
                     ("echo-result", "echo-result"), ("echo-nested", "echo-nested")):
        rt.define({"id": f"c:{name}", "kind": "function.wasm", "fs": "b:fx",
                   "path": ECHO.name, "hash": f"sha256:{sha(ECHO.read_bytes())}", "method": fn})
    rt.define({"id": "k:echo-string", "kind": "function.wasm", "fs": "b:fx",
               "path": ECHO_CORE.name, "hash": f"sha256:{sha(ECHO_CORE.read_bytes())}",
               "method": "echo-string", "wit": ECHO_WIT, "pool": {"type": "inline"}})
    yield Env(rt, app)
    rt.close()


def assert_healthy(rt: Runtime) -> None:
    assert rt.call("h:wat", 40, 2) == 42
    assert rt.call("h:lua", 41) == 42
    assert rt.call("c:echo-u32", 7) == 7
    assert rt.call("c:echo-string", "still here") == "still here"


# -- the cases: (id, provoke, the specific text the error must contain) -----------------------

BIN = "  - {name: %s, kind: function.wasm, fs: b:fs, path: '%s', hash: '%s', method: f}\n"
GOOD_HASH = f"sha256:{sha(WASM_OK)}"


def _laughs() -> str:
    lines = ["namespace: b", "x0: &x0 [a, a, a, a, a, a, a, a, a, a]"]
    lines += [f"x{i}: &x{i} [" + ", ".join([f"*x{i - 1}"] * 10) + "]" for i in range(1, 9)]
    lines += ["entries:", "  - {name: lol, kind: fs.directory, directory: ., meta: {x: *x8}}"]
    return "\n".join(lines) + "\n"


def _entries_100k() -> str:
    return "namespace: big\nentries:\n" + "".join(
        f"  - {{name: e{i}, kind: fs.directory, directory: .}}\n" for i in range(100_000))


def _deep_lua_table(depth: int) -> str:
    return (f"local t = {{}} local cur = t for i = 1, {depth} do cur[1] = {{}} cur = cur[1] end "
            "local v, err = funcs.call('c:echo-nested', t) error(err)")


def _huge_wat_line(env: Env) -> str:
    msg = env.define({"id": "b:wat5", "kind": "function.wat", "method": "f",
                      "source": "(" * 5_000_000})
    assert len(msg) < 1000, len(msg)  # the excerpt is clipped, not 5 MB
    return msg


def _huge_wat_lines(env: Env) -> str:
    body = "i32.const 1 drop\n" * 300_000  # ~5 MB, valid up to the last line
    src = f'(module (func (export "f") (result i32)\n{body}i32.bogus))'
    assert len(src) > 5_000_000
    return env.define({"id": "b:wat5b", "kind": "function.wat", "method": "f", "source": src})


def _ten_mb_string(env: Env) -> str:
    big = "x" * 10_000_000
    assert env.rt.call("c:echo-string", big) == big  # the huge value itself is fine...
    msg = env.call("c:echo-u32", big)                 # ...as a u32 it is refused, briefly
    assert len(msg) < 300, len(msg)
    return msg


def _ten_mb_lua_string(env: Env) -> str:
    env.rt.define({"id": "b:big", "kind": "function.lua", "method": "main", "modules": ["funcs"],
                   "source": "return { main = function() local s = string.rep('y', 10000000) "
                             "local v, err = funcs.call('c:echo-string', s) assert(#v == #s) "
                             "local v2, err2 = funcs.call('c:echo-point', s) error(err2) end }"})
    return env.call("b:big")


CASES: list[tuple[str, Callable[[Env], str], str]] = [
    # ---- YAML -----------------------------------------------------------------------------
    ("yaml-unclosed-flow", lambda e: e.load("  - name: x\n    kind: [unclosed\n"),
     "malformed YAML: expected ',' or ']', but got '<stream end>' (while parsing a flow "
     "sequence)"),
    ("yaml-tab-indent", lambda e: e.load_raw("namespace: b\nentries:\n\t- name: x\n"),
     "malformed YAML: found character '\\t' that cannot start any token"),
    ("yaml-python-tag", lambda e: e.load("  - !!python/object/apply:os.system ['echo hi']\n"),
     "malformed YAML: could not determine a constructor for the tag "
     "'tag:yaml.org,2002:python/object/apply:os.system'"),
    ("yaml-not-a-mapping", lambda e: e.load_raw("namespace: b\nentries:\n  - 5\n"),
     "entry #1 must be a mapping, got int"),
    ("yaml-entries-not-list", lambda e: e.load_raw("namespace: b\nentries: 5\n"),
     "entries must be a list"),
    ("yaml-namespace-no-entries", lambda e: e.load_raw("namespace: b\n"),
     "definition file has a namespace but no entries"),
    ("yaml-missing-namespace",
     lambda e: e.load_raw("entries:\n  - {name: x, kind: fs.directory, directory: .}\n"),
     "missing namespace (a definition file needs `namespace:` next to `entries:`)"),
    ("yaml-namespace-not-string", lambda e: e.load_raw("namespace: [1]\nentries: []\n"),
     "namespace must be a string, got [1]"),
    ("yaml-missing-kind", lambda e: e.load("  - name: x\n"), "b:x: kind is required"),
    ("yaml-unknown-kind", lambda e: e.load("  - {name: x, kind: function.cobol}\n"),
     "b:x: unknown kind 'function.cobol'"),
    ("yaml-bad-name", lambda e: e.load("  - {name: 'bad name!', kind: fs.directory}\n"),
     "invalid name 'bad name!' in 'b:bad name!'"),
    ("yaml-two-colons", lambda e: e.load("  - {name: 'a:b', kind: fs.directory}\n"),
     "invalid entry id 'b:a:b': expected \"namespace:name\" with one colon"),
    ("yaml-duplicate-id", lambda e: e.load("  - {name: d, kind: fs.directory, directory: .}\n"
                                           "  - {name: d, kind: fs.directory, directory: .}\n"),
     "b:d: duplicate entry id"),
    ("yaml-billion-laughs", lambda e: e.load_raw(_laughs()),
     "malformed YAML: document contains excessive aliasing"),
    ("yaml-anchor-contains-itself", lambda e: e.load(
        "  - {name: rec, kind: function.wat, method: f, source: '%s', wasi: &w {args: [*w]}}\n"
        % WAT_OK), "malformed YAML: anchor value contains itself"),
    ("yaml-nested-too-deeply", lambda e: e.load_raw("namespace: b\nentries: " + "[" * 100_000),
     "malformed YAML: nested too deeply"),
    ("yaml-100k-entries", lambda e: e.load_raw(_entries_100k()),
     f"characters (limit {MAX_DEFINITION_CHARS}); split it into several files"),
    ("yaml-policy-effect", lambda e: e.load(
        "  - {name: p, kind: security.policy, policy: {actions: '*', resources: '*', "
        "effect: maybe}}\n"), "b:p: policy.effect must be allow or deny, got 'maybe'"),
    ("yaml-policy-operator", lambda e: e.load(
        "  - {name: p2, kind: security.policy, policy: {actions: '*', resources: '*', "
        "effect: allow, conditions: [{field: actor.id, operator: like, value: x}]}}\n"),
     "b:p2: policy.conditions[0]: unknown condition operator 'like'"),
    ("yaml-wasi-args-not-list", lambda e: e.load(
        "  - {name: wa, kind: function.wat, method: f, source: '%s', imports: [wasi1], "
        "wasi: {args: 5}}\n" % WAT_OK), "b:wa: wasi.args must be a list, got int"),
    ("yaml-wasi-args-map", lambda e: e.load(
        "  - {name: wm, kind: function.wat, method: f, source: '%s', imports: [wasi1], "
        "wasi: {args: [{a: 1}]}}\n" % WAT_OK), "b:wm: wasi.args[0] must be a string, got dict"),
    ("yaml-wasi-env-not-list", lambda e: e.load(
        "  - {name: we, kind: function.wat, method: f, source: '%s', imports: [wasi1], "
        "wasi: {env: {X: 1}}}\n" % WAT_OK), "b:we: wasi.env must be a list, got dict"),
    ("yaml-imports-not-list", lambda e: e.load(
        "  - {name: il, kind: function.wat, method: f, source: '%s', imports: wasi1}\n"
        % WAT_OK), "b:il: imports must be a list of host import names"),
    ("yaml-unknown-field", lambda e: e.load_warning(
        "  - {name: uf, kind: function.wat, method: f, source: '%s', max_execution_ms: 5}\n"
        % WAT_OK), "b:uf: unknown field(s) for function.wat: max_execution_ms (ignored)"),
    # ---- WAT ------------------------------------------------------------------------------
    ("wat-syntax", lambda e: e.define({"id": "b:w", "kind": "function.wat", "method": "f",
                                       "source": "(module\n  (func (export \"f\") i32.bogus))"}),
     "b:w: invalid WAT at line 2, column 22: unknown operator or unexpected token"),
    ("wat-type-mismatch", lambda e: e.define(
        {"id": "b:w", "kind": "function.wat", "method": "f",
         "source": '(module (func (export "f") (result i32) i32.add))'}), "type mismatch"),
    ("wat-5mb-one-line", _huge_wat_line,
     "b:wat5: invalid WAT at line 1, column 2: expected valid module field"),
    ("wat-5mb-error-at-the-end", _huge_wat_lines,
     "b:wat5b: invalid WAT at line 300002, column 1: unknown operator or unexpected token"),
    ("wat-method-not-exported", lambda e: e.define(
        {"id": "b:w", "kind": "function.wat", "method": "nope", "source": WAT_OK}),
     "b:w: method 'nope' is not exported (exported functions: f)"),
    ("wat-no-source", lambda e: e.define({"id": "b:w", "kind": "function.wat", "method": "f"}),
     "b:w: source is required"),
    ("wat-unknown-profile", lambda e: e.define(
        {"id": "b:w", "kind": "function.wat", "method": "f", "source": WAT_OK,
         "imports": ["wasi:nope"]}), "b:w: unsupported wasm host import: wasi:nope"),
    ("wat-component-profile", lambda e: e.define(
        {"id": "b:w", "kind": "function.wat", "method": "f", "source": WAT_OK,
         "imports": ["context"]}), "b:w: wasm host import requires component module: context"),
    ("wat-trap-unreachable", lambda e: (e.rt.define(
        {"id": "b:trap", "kind": "function.wat", "method": "f",
         "source": '(module (func (export "f") unreachable))'}), e.call("b:trap"))[1],
     "b:trap: wasm trap: wasm `unreachable` instruction executed"),
    ("wat-divide-by-zero", lambda e: (e.rt.define(
        {"id": "b:div", "kind": "function.wat", "method": "f",
         "source": '(module (func (export "f") (param i32) (result i32) '
                   '(i32.div_s (i32.const 1) (local.get 0))))'}), e.call("b:div", 0))[1],
     "b:div: wasm trap: integer divide by zero"),
    ("wat-unlinked-import", lambda e: (e.rt.define(
        {"id": "b:imp", "kind": "function.wat", "method": "f",
         "source": '(module (import "env" "log" (func $log)) (func (export "f") call $log))'}),
        e.call("b:imp"))[1],
     "b:imp: env#log is not available to this entry: no host provides it"),
    # ---- WIT ------------------------------------------------------------------------------
    ("wit-malformed", lambda e: e.define({"id": "b:t", "kind": "function.wat", "method": "f",
                                          "source": WAT_OK, "wit": "f: func(a: ) -> s32;"}),
     "b:t: invalid wit"),
    ("wit-unknown-type", lambda e: e.define({"id": "b:t", "kind": "function.wat", "method": "f",
                                             "source": WAT_OK, "wit": "f: func() -> foo;"}),
     'b:t: invalid wit: line 1, column 14: unknown type "foo"'),
    ("wit-core-mismatch", lambda e: e.define(
        {"id": "b:t", "kind": "function.wat", "method": "f", "source": WAT_OK,
         "wit": "f: func(a: s64) -> s32;"}), "needs core type (i64) -> (i32)"),
    ("wit-no-such-function", lambda e: e.define(
        {"id": "b:t", "kind": "function.wat", "method": "f", "source": WAT_OK,
         "wit": "g: func() -> s32;\nh: func() -> s32;"}),
     "b:t: wit declares no function named 'f' (declares: g, h)"),
    ("wit-nested-too-deeply", lambda e: e.define(
        {"id": "b:t", "kind": "function.wat", "method": "f", "source": WAT_OK,
         "wit": "f: func(a: " + "list<" * 5000 + "u32" + ">" * 5000 + ") -> s32;"}),
     "b:t: invalid wit: types nested too deeply"),
    # ---- Lua escape attempts --------------------------------------------------------------
    ("lua-os-execute", lambda e: e.lua("return os.execute('id')"),
     "attempt to call a nil value (field 'execute')"),
    ("lua-io-open", lambda e: e.lua("return io.open('/etc/passwd')"),
     "attempt to index a nil value (global 'io')"),
    ("lua-require-io", lambda e: e.lua("return require('io')"), "module 'io' not found"),
    ("lua-package-loadlib", lambda e: e.lua("return package.loadlib('libc.so.6', 'system')"),
     "attempt to index a nil value (global 'package')"),
    ("lua-debug", lambda e: e.lua("return debug.getregistry()"),
     "attempt to index a nil value (global 'debug')"),
    ("lua-dofile", lambda e: e.lua("return dofile('/etc/passwd')"),
     "attempt to call a nil value (global 'dofile')"),
    ("lua-collectgarbage", lambda e: e.lua("return collectgarbage('stop')"),
     "attempt to call a nil value (global 'collectgarbage')"),
    ("lua-python-bridge", lambda e: e.lua("return python.eval('1')"),
     "attempt to index a nil value (global 'python')"),
    ("lua-bytecode", lambda e: e.lua("return load(string.dump(function() return 1 end))"),
     "load: bytecode is not allowed"),
    ("lua-binary-mode", lambda e: e.lua("return load('return 1', 'x', 'b')"),
     "load: only text chunks are allowed"),
    ("lua-python-attribute", lambda e: e.lua("return errors.new('x').__class__"),
     "access denied: __class__"),
    ("lua-gc-finalizer", lambda e: e.lua("return setmetatable({}, {__gc = print})"),
     "setmetatable: __gc metamethods are not supported"),
    ("lua-coroutine-escape", lambda e: e.lua(
        "return coroutine.wrap(function() return io.open end)()"),
     "attempt to index a nil value (global 'io')"),
    ("lua-string-rep-count", lambda e: e.lua("return string.rep('x', 1e10)"),
     "resulting string too large"),
    ("lua-memory-bomb", lambda e: e.lua("return (string.rep('x', 100000000))"),
     "b:lua: Lua memory limit exceeded (64 MiB)"),
    ("lua-table-bomb", lambda e: e.lua("local t = {} for i = 1, 1e9 do t[i] = i end"),
     "b:lua: Lua memory limit exceeded (64 MiB)"),
    ("lua-endless-recursion", lambda e: e.lua("return funcs.call('b:lua')"),
     "maximum recursion depth exceeded"),
    ("lua-syntax", lambda e: e.define({"id": "b:ls", "kind": "function.lua", "method": "main",
                                       "source": "local x = 1\nreturn { main = function( end }"}),
     "b:ls: Lua syntax error at line 2"),
    ("lua-unknown-module", lambda e: e.define(
        {"id": "b:lm", "kind": "function.lua", "method": "main", "source": "return {}",
         "modules": ["teleport"]}), "b:lm: unknown module 'teleport'"),
    ("lua-forged-actor", lambda e: e.lua("return funcs.new():with_actor('root'):call('h:wat')"),
     "b:lua: bad argument #1 to 'with_actor' (Actor expected)"),
    ("lua-context-array", lambda e: e.lua("return funcs.new():with_context({1, 2})"),
     "b:lua: bad argument #1 to 'with_context' (table with string keys expected)"),
    ("lua-ctx-key", lambda e: e.lua("local v, err = ctx.get(5) error(err)"),
     "ctx.get: key must be a non-empty string"),
    ("lua-funcs-target-number", lambda e: e.lua("local v, err = funcs.call(42) error(err)"),
     'funcs.call: target must be a string "namespace:name", got int'),
    # ---- argument values ------------------------------------------------------------------
    ("arg-arity", lambda e: e.call("c:echo-u32"), "c:echo-u32: expected 1 argument, got 0"),
    ("arg-string-for-u32", lambda e: e.call("c:echo-u32", "x"),
     'c:echo-u32: argument 1 (v: u32): expected u32, got string "x"'),
    ("arg-negative-u32", lambda e: e.call("c:echo-u32", -1),
     "c:echo-u32: argument 1 (v: u32): value -1 out of range for u32 (0..4294967295)"),
    ("arg-s32-overflow", lambda e: e.call("c:echo-s32", 2**40),
     "value 1099511627776 out of range for s32 (-2147483648..2147483647)"),
    ("arg-float-for-int", lambda e: e.call("c:echo-u32", 1.5),
     "c:echo-u32: argument 1 (v: u32): expected an integer for u32, got number 1.5"),
    ("arg-record-missing-field", lambda e: e.call("c:echo-point", {"x": 1}),
     'c:echo-point: argument 1 (v: record): missing field "y"'),
    ("arg-record-extra-field", lambda e: e.call("c:echo-point", {"x": 1, "y": 2, "z": 3}),
     'c:echo-point: argument 1 (v: record): unknown field "z"'),
    ("arg-enum-case", lambda e: e.call("c:echo-color", "purple"),
     'unknown enum case "purple" (expected one of red, green, blue)'),
    ("arg-flag", lambda e: e.call("c:echo-perms", ["fly"]),
     'unknown flag string "fly" (expected some of read, write, exec)'),
    ("arg-char", lambda e: e.call("c:echo-char", "ab"),
     'expected a single character (char), got string "ab"'),
    ("arg-variant-case", lambda e: e.call("c:echo-shape", {"hexagon": 1}),
     'unknown variant case "hexagon" (expected one of circle, rect, empty)'),
    ("arg-result-case", lambda e: e.call("c:echo-result", {"weird": 1}),
     'unknown result case "weird" (expected one of ok, err)'),
    ("arg-tuple-short", lambda e: e.call("c:echo-pair", [1]),
     "expected tuple<u8, string> with 2 items, got array of 1 items"),
    ("arg-list-element", lambda e: e.call("c:echo-s32s", [1, "x"]),
     'c:echo-s32s: argument 1 (v: list<s32>): v[2]: expected s32, got string "x"'),
    ("arg-invalid-utf8", lambda e: e.call("c:echo-string", b"\xff\xfe"),
     "c:echo-string: argument 1 (v: string): invalid UTF-8 in string"),
    ("arg-surrogate-component", lambda e: e.call("c:echo-string", "\ud800"),
     "c:echo-string: argument 1 (v: string): invalid UTF-8 in string (unpaired surrogate)"),
    ("arg-surrogate-core", lambda e: e.call("k:echo-string", "a\udcff"),
     "k:echo-string: argument 1 (v: string): invalid UTF-8 in string (unpaired surrogate)"),
    ("arg-python-set", lambda e: e.call("c:echo-s32s", {1, 2}),
     "c:echo-s32s: argument 1 (v: list<s32>): expected list<s32>, got set"),
    ("arg-10mb-string", _ten_mb_string,
     'c:echo-u32: argument 1 (v: u32): expected u32, got string "xxxxx'),
    ("arg-10mb-lua-string", _ten_mb_lua_string,
     'c:echo-point: argument 1 (v: record): expected record (a table), got string "yyyy'),
    ("arg-deep-lua-table", lambda e: e.lua(_deep_lua_table(100_000)),
     "c:echo-nested: bad argument: table nested deeper than 128 levels"),
    ("arg-lua-cycle", lambda e: e.lua(
        "local t = {} t[1] = t local v, err = funcs.call('c:echo-s32s', t) error(err)"),
     "c:echo-s32s: bad argument: table nested deeper than 128 levels"),
    ("arg-lua-function", lambda e: e.lua(
        "local v, err = funcs.call('c:echo-s32s', print) error(err)"),
     "c:echo-s32s: bad argument: a Lua function cannot be passed as a value"),
    ("arg-lua-sparse", lambda e: e.lua(
        "local v, err = funcs.call('c:echo-s32s', {[1] = 1, [5] = 2}) error(err)"),
     "sparse array (keys 1, 5) where list<s32> expected"),
    ("arg-lua-mixed-table", lambda e: e.lua(
        "local v, err = funcs.call('c:echo-s32s', {1, 2, x = 3}) error(err)"),
     "expected list<s32> (an array), got a table with keys 1, 2, x"),
    ("arg-deep-lua-return", lambda e: e.lua(
        "local t = {} local c = t for i = 1, 1000 do c[1] = {} c = c[1] end return t"),
     "b:lua: cannot return this value: table nested deeper than 128 levels"),
    # ---- hashes ---------------------------------------------------------------------------
    ("hash-missing", lambda e: e.load(
        "  - {name: hm, kind: function.wasm, fs: b:fs, path: f.wasm, method: f}\n"),
     "b:hm: hash is required"),
    ("hash-malformed", lambda e: e.load(BIN % ("h1", "f.wasm", "sha256-abc")),
     "b:h1: invalid hash format"),
    ("hash-md5", lambda e: e.load(BIN % ("h2", "f.wasm", "md5:abcdef")),
     "b:h2: unsupported hash algorithm 'md5'"),
    ("hash-short", lambda e: e.load(BIN % ("h3", "f.wasm", "sha256:abc")),
     "b:h3: invalid hash format: sha256 digest must be 64 hex digits, got 3"),
    ("hash-wrong", lambda e: e.load(BIN % ("h4", "f.wasm", "sha256:" + "ab" * 32)),
     f"b:h4: hash mismatch for f.wasm: expected sha256:{'ab' * 32}, actual "
     f"sha256:{sha(WASM_OK)}"),
    ("hash-ok-but-not-wasm", lambda e: e.load(
        BIN % ("h5", "text.wasm", f"sha256:{sha(b'hello')}")),
     "b:h5: text.wasm is not a WebAssembly binary (missing \\0asm header)"),
    ("hash-ok-but-truncated", lambda e: e.load(
        BIN % ("h6", "cut.wasm", f"sha256:{sha(WASM_OK[:-3])}")),
     "b:h6: invalid WebAssembly module"),
    # ---- paths ----------------------------------------------------------------------------
    ("path-dotdot-root", lambda e: e.load(BIN % ("p1", "/../secret.lua", GOOD_HASH)),
     "b:p1: path '/../secret.lua' escapes filesystem b:fs"),
    ("path-dotdot-middle", lambda e: e.load(BIN % ("p2", "a/../../secret.lua", GOOD_HASH)),
     "b:p2: path 'a/../../secret.lua' escapes filesystem b:fs"),
    ("path-symlink-out", lambda e: e.load(BIN % ("p3", "link.wasm", GOOD_HASH)),
     "b:p3: path 'link.wasm' escapes filesystem b:fs"),
    ("path-missing-fs", lambda e: e.load(BIN.replace("b:fs", "b:nofs") % ("p4", "f.wasm",
                                                                          GOOD_HASH)),
     "b:p4: fs.directory b:nofs not found"),
    ("path-lua-source-dotdot", lambda e: e.load_project(
        "namespace: b\nentries:\n  - {name: p5, kind: function.lua, method: main, "
        "source: 'file://../secret.lua'}\n"),
     "b:p5: source: file://../secret.lua escapes the project directory"),
    ("path-lua-source-absolute", lambda e: e.load_project(
        "namespace: b\nentries:\n  - {name: p6, kind: function.lua, method: main, "
        "source: 'file:///etc/passwd'}\n"),
     "b:p6: source: file:///etc/passwd escapes the project directory"),
    ("path-mount-missing-fs", lambda e: e.load(
        "  - {name: p7, kind: function.wat, method: f, source: '%s', imports: [wasi1], "
        "wasi: {mounts: [{fs: b:nofs, guest: /x}]}}\n" % WAT_OK),
     "b:p7: fs.directory b:nofs not found"),
    ("path-mount-relative-guest", lambda e: e.load(
        "  - {name: p8, kind: function.wat, method: f, source: '%s', imports: [wasi1], "
        "wasi: {mounts: [{fs: b:fs, guest: ../x}]}}\n" % WAT_OK),
     "b:p8: wasi mount guest path '../x' must be absolute"),
    # ---- ids, hosts, permissions ----------------------------------------------------------
    ("id-no-colon", lambda e: e.call("nocolon"),
     "invalid entry id 'nocolon': expected \"namespace:name\" with one colon"),
    ("id-missing", lambda e: e.call("b:missing"), "b:missing: no such entry"),
    ("id-not-callable", lambda e: e.call("b:fs"), "b:fs: fs.directory entries are not callable"),
    ("host-undeclared-context", lambda e: (e.rt.define(
        {"id": "b:who", "kind": "function.wasm", "fs": "b:hx", "path": CONTEXT.name,
         "hash": f"sha256:{sha(CONTEXT.read_bytes())}", "method": "whoami"}),
        e.call("b:who"))[1],
     "b:who: wippy:runtime/context@0.1.0#actor-id is not available to this entry: the entry "
     "does not declare the `context` host profile; add `context` to imports"),
    ("host-required-env", lambda e: e.load(
        "  - {name: er, kind: function.wat, method: f, source: '%s', imports: [wasi1], "
        "wasi: {env: [{name: X, id: b:novar, required: true}]}}\n" % WAT_OK),
     "b:er: wasi env X: required env.variable b:novar not found"),
    ("permission-denied", lambda e: (e.rt.define(
        {"id": "b:only", "kind": "security.policy",
         "policy": {"actions": "funcs.call", "resources": "h:lua", "effect": "allow"}}),
        e.call("h:wat", 1, 2, actor="mallory", scope=["b:only"]))[1],
     "h:wat: permission denied: funcs.call on h:wat for actor 'mallory'"),
]



# ---- issue 10: limits in every state, bounded resources, policy on every path ----------------
SPIN = '(module (func (export "f") (loop $l br $l)))'
START_LOOP = ('(module (func $s (loop $l br $l)) (start $s) '
              '(func (export "f") (result i32) i32.const 1))')
GROW_OR_TRAP = ('(module (memory 1) (func (export "f") (param i32) (result i32) '
                '(if (i32.eq (memory.grow (local.get 0)) (i32.const -1)) (then unreachable)) '
                '(memory.size)))')
TIMEOUT_150 = "max_execution_ms (150 ms)"
PROC = ("return { main = function(parent) local v, err = funcs.call('h:wat', 1, 2)\n"
        " process.send(parent, 'r', err and tostring(err) or 'got ' .. tostring(v)) end }")


def _proc_env(e: Env, **host: Any) -> None:
    e.rt.define({"id": "b:ph", "kind": "process.host", **host})
    e.rt.define({"id": "b:proc", "kind": "process.lua", "method": "main", "modules": ["funcs"],
                 "source": PROC})
    e.rt.define({"id": "b:nap", "kind": "process.lua", "method": "main", "modules": ["time"],
                 "source": "return { main = function() time.sleep('300ms') end }"})


def _spawn_twice(e: Env) -> str:
    _proc_env(e, max_processes=1)
    e.rt.define({"id": "b:sp2", "kind": "function.lua", "method": "main", "source":
                 "return { main = function() process.spawn('b:nap', 'b:ph')\n"
                 " local p, err = process.spawn('b:nap', 'b:ph') error(err) end }"})
    return e.call("b:sp2")


def _spawn_per_caller(e: Env) -> str:
    _proc_env(e, max_processes_per_caller=2)
    e.rt.define({"id": "b:sp3", "kind": "function.lua", "method": "main", "source":
                 "return { main = function() for i = 1, 3 do local p, err = "
                 "process.spawn('b:nap', 'b:ph') if not p then error(err) end end end }"})
    return e.call("b:sp3")


def _process_inherits_actor(e: Env) -> str:
    _proc_env(e)
    return e.as_actor("local pid, err = process.spawn('b:proc', 'b:ph', process.pid())\n"
                      "if not pid then error(err) end\n"
                      "error((process.listen('r'):receive()))",
                      ["process.spawn", "process.host", "process.send"])


def _interrupt_idle_then_limit(e: Env) -> str:
    e.rt.interrupt()
    return e.limited("while true do end")


CASES += [
    # Lua: the budget is wall-clock for the whole execution, in every state
    ("lim-lua-loop", lambda e: e.limited("while true do end"), TIMEOUT_150),
    ("lim-lua-sleep", lambda e: e.limited("time.sleep('10s')"), TIMEOUT_150),
    ("lim-lua-channel-receive", lambda e: e.limited("channel.new():receive()"), TIMEOUT_150),
    ("lim-lua-channel-send", lambda e: e.limited("channel.new():send(1)"), TIMEOUT_150),
    ("lim-lua-select", lambda e: e.limited(
        "local c = channel.new() channel.select({ c:case_receive() })"), TIMEOUT_150),
    ("lim-lua-spawned-coroutine-loop", lambda e: e.limited(
        "coroutine.spawn(function() while true do end end) time.sleep('10s')"), TIMEOUT_150),
    ("lim-lua-coroutine-wrap-loop", lambda e: e.limited(
        "coroutine.wrap(function() while true do end end)()"), TIMEOUT_150),
    ("lim-lua-pcall-swallows", lambda e: e.limited(
        "while true do pcall(function() while true do end end) end"), TIMEOUT_150),
    ("lim-lua-xpcall-swallows", lambda e: e.limited(
        "while true do xpcall(function() while true do end end, function(m) return m end) end"),
     TIMEOUT_150),
    ("lim-lua-nested-lua", lambda e: (e.rt.define(
        {"id": "b:inner", "kind": "function.lua", "method": "main",
         "source": "return { main = function() while true do end end }"}),
        e.limited("local v, err = funcs.call('b:inner') error(err)"))[1], TIMEOUT_150),
    ("lim-lua-nested-wasm", lambda e: (e.rt.define(
        {"id": "b:spin", "kind": "function.wat", "source": SPIN, "method": "f",
         "pool": {"type": "inline"}}),
        e.limited("local v, err = funcs.call('b:spin') error(err)"))[1], TIMEOUT_150),
    ("lim-lua-options-limits", lambda e: (e.rt.define(
        {"id": "b:opt", "kind": "function.lua", "method": "main",
         "options": {"limits": {"max_execution_ms": 150}},
         "source": "return { main = function() while true do end end }"}),
        e.call("b:opt"))[1], TIMEOUT_150),
    ("lim-interrupt-when-idle", _interrupt_idle_then_limit, TIMEOUT_150),
    # WASM: the call, the start function, instantiation
    ("lim-wasm-loop", lambda e: (e.rt.define(
        {"id": "b:wspin", "kind": "function.wat", "source": SPIN, "method": "f",
         "limits": {"max_execution_ms": 150}}), e.call("b:wspin"))[1], TIMEOUT_150),
    ("lim-wasm-start-inline", lambda e: e.wat_def(
        "st1", START_LOOP, pool={"type": "inline"}, limits={"max_execution_ms": 150}),
     "b:st1: instantiation stopped: execution exceeded limits.max_execution_ms (150 ms)"),
    ("lim-wasm-start-static", lambda e: e.wat_def(
        "st2", START_LOOP, pool={"type": "static", "size": 1, "workers": 1},
        limits={"max_execution_ms": 150}),
     "b:st2: instantiation stopped: execution exceeded"),
    ("lim-wasm-start-lazy-first-call", lambda e: (e.rt.define(
        {"id": "b:st3", "kind": "function.wat", "source": START_LOOP, "method": "f",
         "options": {"limits": {"max_execution_ms": 150}}}), e.call("b:st3"))[1],
     "b:st3: instantiation stopped: execution exceeded limits.max_execution_ms (150 ms)"),
    # Lua C library functions: hookable, so the budget reaches them
    ("lim-c-find-backtracking", lambda e: e.limited(
        'string.find(("a"):rep(40), ("a*"):rep(40) .. "b")'), TIMEOUT_150),
    ("lim-c-match-backtracking", lambda e: e.limited(
        '(("a"):rep(60)):match(("a-"):rep(30) .. "x")'), TIMEOUT_150),
    ("lim-c-gmatch-backtracking", lambda e: e.limited(
        'for w in (("a"):rep(50)):gmatch(("a?"):rep(25) .. "c") do end'), TIMEOUT_150),
    ("lim-c-gsub-backtracking", lambda e: e.limited(
        'string.gsub(("ab"):rep(30), ("(.-)"):rep(20) .. "z", "")'), TIMEOUT_150),
    ("lim-c-find-quadratic", lambda e: e.limited(
        'string.find(("a"):rep(3000000), ".-b")'), TIMEOUT_150),
    ("lim-c-balance-quadratic", lambda e: e.limited(
        'string.find(("("):rep(200000), "%b()")'), TIMEOUT_150),
    ("lim-c-table-move", lambda e: e.limited("table.move({}, 1, 1 << 40, 2)"), TIMEOUT_150),
    ("lim-c-table-move-backwards", lambda e: e.limited("table.move({}, 2, 1 << 40, 1)"),
     TIMEOUT_150),
    ("lim-c-table-concat-len", lambda e: e.limited(
        "table.concat(setmetatable({}, {__index = tostring, __len = function() "
        "return 1 << 40 end}))"), TIMEOUT_150),
    ("c-table-concat-holes", lambda e: e.limited("table.concat({}, '', 1, 1 << 40)"),
     "invalid value (at index 1) in table for 'concat'"),
    ("c-string-rep-huge", lambda e: e.limited('string.rep("x", 1 << 50)'),
     "resulting string too large"),
    ("c-string-rep-sep-huge", lambda e: e.limited('string.rep("ab", 1 << 40, ",")'),
     "resulting string too large"),
    ("c-string-format-width", lambda e: e.limited('string.format("%999999999d", 1)'),
     "invalid conversion"),
    ("c-pattern-unfinished-capture-lua-path", lambda e: e.limited(
        'string.find(("a"):rep(5000), "(a*" .. ("a*"):rep(3))'), "unfinished capture"),
    ("c-pattern-malformed-lua-path", lambda e: e.limited(
        'string.find(("a"):rep(5000), "a*b*[a")'), "malformed pattern (missing ']')"),
    # bounded memory: the Python side counts, WASM memory and tables are capped
    ("mem-payload-pin", lambda e: e.limited(
        "local keep = {} for i = 1, 1024 do keep[i] = payload.new(('x'):rep(1 << 20)) end",
        ms=20000), "Lua memory limit exceeded"),
    ("mem-channel-pin", lambda e: e.limited(
        "local ch = channel.new(1 << 20) for i = 1, 1 << 20 do ch:send(('y'):rep(1 << 16) .. i) "
        "end", ms=20000), "Lua memory limit exceeded"),
    ("mem-wasm-grow-past-cap", lambda e: (e.rt.define(
        {"id": "b:grow", "kind": "function.wat", "source": GROW_OR_TRAP, "method": "f",
         "limits": {"max_memory_bytes": 1 << 20}}), e.call("b:grow", 64))[1],
     "b:grow: wasm trap: wasm `unreachable` instruction executed"),
    ("mem-wasm-initial-above-cap", lambda e: (e.rt.define(
        {"id": "b:big", "kind": "function.wat", "method": "f",
         "source": '(module (memory 64) (func (export "f") (result i32) i32.const 1))',
         "limits": {"max_memory_bytes": 1 << 20}}), e.call("b:big"))[1],
     "b:big: instantiation failed"),
    ("mem-wasm-table-above-cap", lambda e: (e.rt.define(
        {"id": "b:tbl", "kind": "function.wat", "method": "f",
         "source": '(module (table 20000000 funcref) (func (export "f") (result i32) '
                   'i32.const 1))'}), e.call("b:tbl"))[1], "b:tbl: instantiation failed"),
    ("mem-bad-max-memory", lambda e: e.wat_def("bm", WAT_OK, limits={"max_memory_bytes": -1}),
     "b:bm: limits.max_memory_bytes must be a non-negative integer"),
    ("mem-bad-max-memory-text", lambda e: e.wat_def(
        "bm2", WAT_OK, limits={"max_memory_bytes": "1GB"}),
     "b:bm2: limits.max_memory_bytes must be a non-negative integer"),
    ("mem-bad-retained", lambda e: e.wat_def(
        "bm3", WAT_OK, options={"limits": {"max_retained_memory_bytes": True}}),
     "b:bm3: limits.max_retained_memory_bytes must be a non-negative integer"),
    ("mem-bad-options-limits", lambda e: e.wat_def("bm4", WAT_OK, options={"limits": 5}),
     "b:bm4: limits must be a mapping"),
    # processes: bounded, checked, and in their spawner's context
    ("proc-host-full", _spawn_twice, "process host b:ph is full (1 processes running"),
    ("proc-per-caller", _spawn_per_caller, "already runs 2 processes (max_processes_per_caller)"),
    ("proc-spawn-denied", lambda e: (_proc_env(e), e.as_actor(
        "local p, err = process.spawn('b:proc', 'b:ph') error(err)", ["funcs.call"]))[1],
     "not allowed to spawn process: b:proc"),
    ("proc-send-denied", lambda e: e.as_actor(
        "local ok, err = process.send(process.pid(), 'topic', 1) error(err)", ["funcs.call"]),
     "not allowed to send: {local@"),
    ("proc-runs-as-spawner", _process_inherits_actor,
     "h:wat: permission denied: funcs.call on h:wat for actor 'mallory'"),
    # arity from every caller
    ("arity-too-few", lambda e: e.call("h:wat", 1), "h:wat: expected 2 arguments, got 1"),
    ("arity-too-many", lambda e: e.call("h:wat", 1, 2, 3), "h:wat: expected 2 arguments, got 3"),
]


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_bad_input(env: Env, case: tuple[str, Callable[[Env], str], str]) -> None:
    _, provoke, expected = case
    message = provoke(env)
    assert expected in message, message[:2000]
    assert_healthy(env.rt)


def test_the_suite_is_big_enough() -> None:
    assert len(CASES) >= 90
    assert len({c[0] for c in CASES}) == len(CASES)
