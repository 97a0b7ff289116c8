"""WASI command components under `wippy run` : arguments through
`get-arguments` (CLI arguments when `wasi.args` is empty), the real stdin, stdout to the
terminal, `wasi:cli/exit` status as the exit code, `run` returning err as exit code 1.

The component is tests/fixtures/hosts/command.wat (built by tests/fixtures/hosts/build.py);
examples/cli-hello carries a copy. Every test but the last runs the real CLI in a subprocess.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from wippy_runtime import Runtime
from wippy_runtime.errors import CallError
from wippy_runtime.wasm.wasi_config import WasiExit

REPO = Path(__file__).resolve().parents[3]
EXAMPLE = REPO / "examples" / "cli-hello"
FIXTURE = REPO / "tests" / "fixtures" / "hosts" / "command.component.wasm"
HASH = "sha256:" + __import__("hashlib").sha256(FIXTURE.read_bytes()).hexdigest()


def wippy(app: Path, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {"PYTHONPATH": str(REPO / "runtime"), "PATH": "/usr/bin:/bin"}
    return subprocess.run([sys.executable, "-m", "wippy_runtime", "run", str(app), *args],
                          capture_output=True, text=True, env=env, timeout=60,
                          input=stdin if stdin is not None else "")


def test_example_carries_the_fixture_binary():
    assert (EXAMPLE / "wasm" / "command.component.wasm").read_bytes() == FIXTURE.read_bytes()


def test_hello_reads_the_cli_arguments_and_prints_to_stdout():
    r = wippy(EXAMPLE, "hello", "World")
    assert (r.returncode, r.stdout) == (0, "Hello, World!\n"), r.stderr
    r = wippy(EXAMPLE, "hello")
    assert (r.returncode, r.stdout) == (0, "Hello, world!\n"), r.stderr
    r = wippy(EXAMPLE, "list", "--json")
    assert r.returncode == 0 and '"hello"' in r.stdout and '"echo"' in r.stdout


@pytest.mark.parametrize(("args", "code"), [(("3",), 3), (("0",), 0), (("255",), 255),
                                            ((), 1)])
def test_exit_status_becomes_the_exit_code(args, code):
    # ("3",): exit-with-code 3; (): exit(err), i.e. status 1
    r = wippy(EXAMPLE, "exit", *args)
    assert r.returncode == code, r.stderr
    assert "Traceback" not in r.stderr


def test_run_returning_err_exits_1_with_the_entry_named():
    r = wippy(EXAMPLE, "fail")
    assert r.returncode == 1
    assert "command fail (cli:fail) failed: it returned an error result" in \
        " ".join(r.stderr.split()), r.stderr
    assert "returned err: True" not in r.stderr


def test_echo_copies_stdin_to_stdout():
    text = "".join(f"line {i}: {'x' * (i % 50)}\n" for i in range(400))  # > 4096 bytes
    assert len(text) > 3 * 4096
    r = wippy(EXAMPLE, "echo", stdin=text)
    assert r.returncode == 0, r.stderr
    assert r.stdout == text
    r = wippy(EXAMPLE, "echo", stdin="")
    assert (r.returncode, r.stdout) == (0, "")


APP = f"""
version: "1.0"
namespace: app
entries:
  - name: bin
    kind: fs.directory
    directory: {FIXTURE.parent}
  - name: hello
    kind: process.wasm
    meta:
      command: {{name: hello}}
    fs: app:bin
    path: /command.component.wasm
    hash: {HASH}
    imports: [wasi:cli, wasi:io]
    wasi:
      args: ["Wippy"]
  - name: exit
    kind: function.wasm
    fs: app:bin
    path: /command.component.wasm
    hash: {HASH}
    method: exit-with
    imports: [wasi:cli, wasi:io]
    wasi:
      args: ["7"]
  - name: echo
    kind: function.wasm
    fs: app:bin
    path: /command.component.wasm
    hash: {HASH}
    method: echo
    imports: [wasi:cli, wasi:io]
"""


def test_wasi_args_win_over_the_cli_arguments(tmp_path):
    (tmp_path / "_index.yaml").write_text(APP)
    r = wippy(tmp_path, "hello", "World")
    assert (r.returncode, r.stdout) == (0, "Hello, Wippy!\n"), r.stderr


def test_without_a_terminal_exit_is_an_error_and_stdin_is_empty(tmp_path):
    """Outside `wippy run` (the kernel, Runtime.call) the host never exits: the call fails
    with the status, the runtime stays usable; stdin is empty."""
    (tmp_path / "_index.yaml").write_text(APP)
    runtime = Runtime(cache_dir=False)
    report = runtime.load(str(tmp_path))
    assert not report.errors, report.errors
    try:
        for _ in range(2):
            with pytest.raises(WasiExit) as info:
                runtime.call("app:exit")
            assert info.value.status == 7 and isinstance(info.value, CallError)
            assert "app:exit" in str(info.value) and "status 7" in str(info.value)
        assert runtime.call("app:echo") is True  # `result` ok, nothing read
    finally:
        runtime.close()
