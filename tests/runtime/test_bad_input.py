"""Each kind of bad definition gives an error naming the file and entry; the rest still serves."""

from __future__ import annotations

import hashlib

import pytest
import wasmtime

GOOD = """
  - name: good
    kind: function.wat
    source: |
      (module (func (export "good") (result i32) i32.const 7))
    wit: "good: func() -> s32;"
    method: good
"""

WAT_OK = '(module (func (export "f") (result i32) i32.const 1))'
WASM_OK = bytes(wasmtime.wat2wasm(WAT_OK))


def load_with(runtime, write_app, bad_yaml: str, extra: dict | None = None):
    files = {"_index.yaml": "namespace: app\nentries:\n" + GOOD + bad_yaml}
    files.update(extra or {})
    app = write_app(files)
    report = runtime.load(app)
    assert runtime.call("app:good") == 7, "the healthy entry must still serve"
    return report, app


CASES = {
    "missing method": ("""
  - name: bad
    kind: function.wat
    source: "(module)"
""", "method is required"),
    "missing source": ("""
  - name: bad
    kind: function.wat
    method: f
""", "source is required"),
    "invalid WAT": ("""
  - name: bad
    kind: function.wat
    source: |
      (module
        (func (export "f") (result i32)
          i32.const 1
          i32.bogus))
    method: f
""", "invalid WAT at line 4, column 5"),
    "type error in WAT": ("""
  - name: bad
    kind: function.wat
    source: |
      (module (func (export "f") (result i32) i32.add))
    method: f
""", "type mismatch"),
    "bad pool type": ("""
  - name: bad
    kind: function.wat
    source: '%s'
    method: f
    pool: {type: turbo}
""" % WAT_OK, "invalid pool type"),
    "negative pool value": ("""
  - name: bad
    kind: function.wat
    source: '%s'
    method: f
    pool: {max_size: -1}
""" % WAT_OK, "pool values cannot be negative"),
    "static pool without size": ("""
  - name: bad
    kind: function.wat
    source: '%s'
    method: f
    pool: {workers: 2}
""" % WAT_OK, "pool.size must be greater than 0"),
    "bad transport": ("""
  - name: bad
    kind: function.wat
    source: '%s'
    method: f
    transport: smoke-signals
""" % WAT_OK, "invalid transport type"),
    "missing file": ("""
  - name: bad
    kind: function.wat
    source: file://nowhere.wat
    method: f
""", "file not found: file://nowhere.wat"),
    "unknown kind": ("""
  - name: bad
    kind: function.cobol
    source: x
""", "unknown kind 'function.cobol'"),
    "method not exported": ("""
  - name: bad
    kind: function.wat
    source: '%s'
    method: nope
""" % WAT_OK, "method 'nope' is not exported (exported functions: f)"),
    "wit does not match the export": ("""
  - name: bad
    kind: function.wat
    source: '%s'
    method: f
    wit: "f: func(a: s64) -> s32;"
""" % WAT_OK, "needs core type (i64) -> (i32)"),
    "malformed wit": ("""
  - name: bad
    kind: function.wat
    source: '%s'
    method: f
    wit: "f: func(a: ) -> s32;"
""" % WAT_OK, "invalid wit"),
    "Lua syntax error": ("""
  - name: bad
    kind: function.lua
    source: |
      local x = 1
      return { main = function( end }
    method: main
""", "Lua syntax error at line 2"),
    "unknown Lua module": ("""
  - name: bad
    kind: function.lua
    source: "return {}"
    method: main
    modules: [teleport]
""", "unknown module 'teleport'"),
    "missing library import": ("""
  - name: bad
    kind: function.lua
    source: "return {main = function() end}"
    method: main
    imports: {lib: app:nolib}
""", "library.lua app:nolib not found"),
    "wasm without hash": ("""
  - name: files
    kind: fs.directory
    directory: ./bin
  - name: bad
    kind: function.wasm
    fs: files
    path: /f.wasm
    method: f
""", "hash is required"),
    "malformed hash": ("""
  - name: files
    kind: fs.directory
    directory: ./bin
  - name: bad
    kind: function.wasm
    fs: files
    path: /f.wasm
    hash: sha256-abc
    method: f
""", "invalid hash format"),
    "unsupported hash algorithm": ("""
  - name: files
    kind: fs.directory
    directory: ./bin
  - name: bad
    kind: function.wasm
    fs: files
    path: /f.wasm
    hash: md5:abcdef
    method: f
""", "unsupported hash algorithm 'md5'"),
    "path escaping the directory": ("""
  - name: files
    kind: fs.directory
    directory: ./bin
  - name: bad
    kind: function.wasm
    fs: files
    path: /../secret.wasm
    hash: sha256:%s
    method: f
""" % ("0" * 64), "escapes filesystem app:files"),
    "missing fs entry": ("""
  - name: bad
    kind: function.wasm
    fs: nofs
    path: /f.wasm
    hash: sha256:%s
    method: f
""" % ("0" * 64), "fs.directory app:nofs not found"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_entry_is_reported_with_file_and_entry(runtime, write_app, case):
    bad_yaml, expected = CASES[case]
    report, app = load_with(runtime, write_app, bad_yaml, {"bin/f.wasm": WASM_OK})
    messages = [str(e) for e in report.errors]
    assert len(messages) == 1, messages
    assert expected in messages[0]
    assert "app:bad" in messages[0]
    assert str(app / "_index.yaml") in messages[0]


def test_wrong_hash_shows_expected_and_actual(runtime, write_app):
    actual = hashlib.sha256(WASM_OK).hexdigest()
    report, _ = load_with(runtime, write_app, """
  - name: files
    kind: fs.directory
    directory: ./bin
  - name: bad
    kind: function.wasm
    fs: files
    path: /f.wasm
    hash: sha256:%s
    method: f
""" % ("ab" * 32), {"bin/f.wasm": WASM_OK})
    (err,) = report.errors
    assert f"expected sha256:{'ab' * 32}" in str(err)
    assert f"actual sha256:{actual}" in str(err)
    assert err.expected == f"sha256:{'ab' * 32}" and err.actual == f"sha256:{actual}"


def test_correct_hash_loads_core_binary(runtime, write_app):
    digest = hashlib.sha256(WASM_OK).hexdigest()
    report, _ = load_with(runtime, write_app, """
  - name: files
    kind: fs.directory
    directory: ./bin
  - name: f
    kind: function.wasm
    fs: files
    path: /f.wasm
    hash: sha256:%s
    method: f
""" % digest, {"bin/f.wasm": WASM_OK})
    assert report.errors == []
    assert runtime.call("app:f") == 1


def test_invalid_wat_points_at_the_yaml_line(runtime, write_app):
    report, app = load_with(runtime, write_app, CASES["invalid WAT"][0])
    (err,) = report.errors
    # The YAML file: "namespace", "entries:", GOOD (7 lines + leading newline), then the bad entry;
    # WAT line 4 is the `i32.bogus` line.
    text = (app / "_index.yaml").read_text().splitlines()
    assert "i32.bogus" in text[err.line - 1]


def test_duplicate_ids_are_reported_and_first_wins(runtime, write_app):
    app = write_app({"_index.yaml": "namespace: app\nentries:\n" + GOOD + GOOD.replace(
        "i32.const 7", "i32.const 8")})
    report = runtime.load(app)
    (err,) = report.errors
    assert "duplicate entry id" in str(err) and "app:good" in str(err)
    assert runtime.call("app:good") == 7


def test_malformed_yaml_names_file_and_line_and_other_files_load(runtime, write_app):
    app = write_app({
        "_index.yaml": "namespace: app\nentries:\n" + GOOD,
        "broken/_index.yaml": "namespace: other\nentries:\n  - name: x\n    kind: [unclosed\n",
    })
    report = runtime.load(app)
    (err,) = report.errors
    assert "malformed YAML" in str(err)
    assert str(app / "broken" / "_index.yaml") in str(err)
    assert err.line == 4 or err.line == 5
    assert runtime.call("app:good") == 7


def test_missing_namespace_is_reported(runtime, write_app):
    app = write_app({"_index.yaml": "namespace: app\nentries:\n" + GOOD,
                     "more/_index.yaml": "entries:\n  - name: x\n    kind: fs.directory\n"})
    report = runtime.load(app)
    (err,) = report.errors
    assert "missing namespace" in str(err)
    assert str(app / "more" / "_index.yaml") in str(err)


def test_other_spec_kinds_are_accepted_and_listed(runtime, write_app):
    app = write_app({"_index.yaml": "namespace: app\nentries:\n" + GOOD + """
  - name: processes
    kind: process.host
  - name: policy
    kind: security.policy
    policy: {actions: "*", resources: "*", effect: allow}
  - name: key
    kind: env.variable
  - name: gateway
    kind: http.service
    addr: 127.0.0.1:0
  - name: router
    kind: http.router
    meta: {server: gateway}
  - name: endpoint
    kind: http.endpoint
    meta: {router: router}
    method: GET
    path: /x
    func: policy
"""})
    report = runtime.load(app)
    assert report.errors == []
    kinds = {i.id: i.kind for i in runtime.describe()}
    assert kinds["app:processes"] == "process.host"
    assert kinds["app:policy"] == "security.policy"
    assert kinds["app:endpoint"] == "http.endpoint"


def test_failed_entries_are_listed_with_their_error(runtime, write_app):
    load_with(runtime, write_app, CASES["missing method"][0])
    failed = [i for i in runtime.describe() if i.id == "app:bad"]
    assert failed and "method is required" in failed[0].detail["error"]


def test_library_import_cycle_is_reported(runtime, write_app):
    app = write_app({"_index.yaml": "namespace: app\nentries:\n" + GOOD + """
  - name: a
    kind: library.lua
    source: "return {}"
    imports: {b: app:b}
  - name: b
    kind: library.lua
    source: "return {}"
    imports: {a: app:a}
"""})
    report = runtime.load(app)
    assert any("reference cycle: app:a -> app:b -> app:a" in str(e) for e in report.errors)
    assert runtime.call("app:good") == 7
