"""The `wippy` command: list entries, call one, run an app's tests or a `meta.command`.

Output is for people (rich tables, colours on a terminal); `--json` prints exactly one JSON
value on the last line of stdout, for scripts. Exit codes: 0 ok, 1 a call or test failed,
2 the app did not load (or bad usage), 124 `--timeout` expired, 130 interrupted (Ctrl-C).

Text that comes from users or from errors (entry ids, messages, values) is never read as rich
markup or emoji codes: it is escaped (`say`) or passed as `Text`. Calls run on a worker
thread while the main thread waits for signals: a Python signal handler only runs between
bytecodes of the main thread, so a main thread stuck inside WASM or Lua would never see
Ctrl-C. The first Ctrl-C interrupts the runtime (WASM and Lua stop with CANCELED) and the
command exits 130; a second one exits at once.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from rich import box
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from .app_tests import DEFAULT_TIMEOUT
from .errors import GuestError, WippyError
from .runtime import Runtime

EXIT_OK, EXIT_FAILED, EXIT_LOAD, EXIT_TIMEOUT, EXIT_INTERRUPTED = 0, 1, 2, 124, 130


def say(console: Console, prefix: str, text: object) -> None:
    """Print `prefix` (our own markup) followed by `text` taken literally."""
    console.print(f"{prefix}{escape(str(text))}", highlight=False)


class Stopped(Exception):
    """The command was stopped: by Ctrl-C (`code` 130) or by `--timeout` (124)."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code


def run_interruptible(runtime: Runtime, fn: Callable[[], Any],
                      timeout: float | None = None) -> Any:
    """Run `fn()` on a worker thread; the main thread waits, so Ctrl-C and `timeout` reach
    it and interrupt the runtime. Returns fn's value, re-raises its exception, or raises
    Stopped."""
    box: dict[str, Any] = {}
    stop: list[Stopped] = []

    def work() -> None:
        try:
            box["value"] = fn()
        except BaseException as exc:  # noqa: BLE001 - handed to the main thread
            box["error"] = exc

    def interrupt(code: int, message: str) -> None:
        if stop:
            os._exit(code)  # a second Ctrl-C: leave now
        stop.append(Stopped(code, message))
        threading.Thread(target=runtime.interrupt, daemon=True).start()

    worker = threading.Thread(target=work, name="wippy-cli-call", daemon=True)
    on_main = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGINT, lambda *_: interrupt(EXIT_INTERRUPTED,
                                                                "interrupted")) if on_main \
        else None
    deadline = time.monotonic() + timeout if timeout else None
    try:
        worker.start()
        while worker.is_alive():
            worker.join(0.05)
            if deadline is not None and not stop and time.monotonic() >= deadline:
                interrupt(EXIT_TIMEOUT, f"timed out after {timeout:g} s (--timeout)")
            if stop and time.monotonic() > (stop[0].__dict__.setdefault(
                    "at", time.monotonic()) + 5):
                os._exit(stop[0].code)  # the runtime did not stop: do not hang
    finally:
        if on_main:
            signal.signal(signal.SIGINT, previous)
    if stop:
        raise stop[0]
    if "error" in box:
        raise box["error"]
    return box.get("value")


def _parse_arg(text: str) -> Any:
    """CLI arguments are JSON values; anything that is not valid JSON is a string."""
    try:
        return json.loads(text)
    except ValueError:
        return text


def _load(app: str, err: Console, *, strict: bool = False, terminal: Any = None,
          quiet: bool = False) -> tuple[Runtime, list[str]]:
    """Load an app; print its load errors and warnings on stderr (unless `quiet`, when a
    `--json` result carries them)."""
    runtime = Runtime()
    runtime.terminal = terminal
    report = runtime.load(app)
    problems = [str(e) for e in report.errors]
    if not quiet:
        for problem in problems:
            err.print(f"[yellow]load error:[/] {escape(problem)}", highlight=False,
                      soft_wrap=True)
        for warning in report.warnings:
            err.print(f"[dim]warning:[/] {escape(warning)}", highlight=False, soft_wrap=True)
    if not report.files:
        say(err, "[red]no definition files found in[/] ", app)
    return runtime, problems


def _start_services(runtime: Runtime, err: Console, *, quiet: bool = False) -> list[str]:
    """Start the app's services (HTTP listeners) before anything runs; a service that cannot
    start (its port is taken) is reported naming its entry, and the rest of the app runs."""
    problems = runtime.start_services()
    if not quiet:
        for problem in problems:
            err.print(f"[red]service error:[/] {escape(problem)}", highlight=False,
                      soft_wrap=True)
    return problems


#: below this width, each entry's signature goes on a second line under its id
WIDE = 100


def cmd_entries(args: argparse.Namespace, out: Console, err: Console) -> int:
    runtime, problems = _load(args.app, err, quiet=True)
    infos = runtime.describe()
    if args.json:
        print(json.dumps({"entries": [_info_dict(i) for i in infos], "errors": problems}))
        return EXIT_OK if not problems else EXIT_LOAD
    out.print(entries_table(infos, args.app, out.width))
    failed = [(i.id, str(i.detail["error"])) for i in infos if i.detail.get("error")]
    listed = {text for _, text in failed}
    others = [p for p in problems if not any(p in text or text in p for text in listed)]
    if failed or others:
        err.print(f"[red]{len(failed) + len(others)} load error(s):[/]", highlight=False)
        for entry_id, text in failed:  # the text names the file, line and entry
            shown = text if entry_id in text else f"{entry_id}: {text}"
            err.print(f"  {escape(shown)}", highlight=False, soft_wrap=True)
        for text in others:
            err.print(f"  {escape(text)}", highlight=False, soft_wrap=True)
    runtime.close()
    return EXIT_OK if not problems else EXIT_LOAD


def _signature(info: Any) -> str:
    """The WIT signature (it names the method), else the method, else nothing."""
    if info.detail.get("error"):
        return "[red]failed to load (see below)[/]"
    if info.signature:
        return info.signature
    return f"{info.method}()" if info.method else ""


def entries_table(infos: list[Any], app: str, width: int) -> Table:
    """The entries as a table that reads at `width` columns: never a word broken in two (rich
    wraps at spaces, and the signature column is at least as wide as its longest word)."""
    longest = max((len(w) for i in infos for w in _signature(i).split()), default=10)
    # cells are Text, never markup: ids, signatures and imports come from the user's files
    table = Table(title=Text(f"entries in {app}"), box=box.SIMPLE_HEAD, pad_edge=False,
                  title_justify="left")
    if width >= WIDE:
        table.add_column("id", no_wrap=True)
        table.add_column("kind", no_wrap=True)
        table.add_column("signature (method)", min_width=min(longest, 40), ratio=1)
        table.add_column("pool", no_wrap=True)
        table.add_column("imports")
        for info in infos:
            table.add_row(Text(info.id), Text(info.kind), Text(_signature(info)),
                          Text(info.pool or ""), Text(", ".join(info.imports)))
        return table
    table.add_column("entry / signature", min_width=min(longest, 30), ratio=1)
    table.add_column("kind / pool", no_wrap=True)
    table.add_column("imports", max_width=24)
    for info in infos:
        sig = _signature(info)
        head = Text(info.id, style="bold")
        if sig:
            head.append(f"\n  {sig}")
        table.add_row(head, Text(info.kind + (f"\n{info.pool}" if info.pool else "")),
                      Text(", ".join(info.imports)))
    return table


def _info_dict(info: Any) -> dict[str, Any]:
    return {"id": info.id, "kind": info.kind, "method": info.method,
            "signature": info.signature, "pool": info.pool, "imports": info.imports,
            "error": info.detail.get("error")}


def cmd_call(args: argparse.Namespace, out: Console, err: Console) -> int:
    runtime, _ = _load(args.app, err)
    values = [_parse_arg(a) for a in args.args]
    failed = runtime.failed.get(args.entry)
    if failed is not None and args.entry not in runtime.built:
        # the entry asked for did not load: say so (not a bare "no such entry")
        message = f"{args.entry} is not defined: it failed to load: {failed[1]}"
        if args.json:
            print(json.dumps({"ok": False, "error": message, "kind": failed[1].kind}))
        else:
            say(err, "[red]error:[/] ", message)
        runtime.close()
        return EXIT_LOAD
    try:
        result = run_interruptible(runtime, lambda: runtime.call(args.entry, *values),
                                   args.timeout)
    except Stopped as stopped:
        _report_stop(stopped, args, err)
        runtime.close()
        return stopped.code
    except WippyError as exc:
        if args.json:
            print(json.dumps({"ok": False, "error": str(exc), "kind": exc.kind,
                              "detail": exc.fields()}))
        else:
            say(err, "[red]error:[/] ", exc)
        runtime.close()
        return EXIT_FAILED
    if args.json:
        print(json.dumps({"ok": True, "result": _jsonable(result)}))
    elif isinstance(result, (dict, list)):
        out.print_json(json.dumps(_jsonable(result)), highlight=False)
    else:
        print(json.dumps(_jsonable(result)) if not isinstance(result, str) else result)
    runtime.close()
    return EXIT_OK


def _report_stop(stopped: Stopped, args: argparse.Namespace, err: Console) -> None:
    if getattr(args, "json", False):
        print(json.dumps({"ok": False, "error": str(stopped), "kind": "stopped"}))
    else:
        say(err, "[red]error:[/] ", stopped)


def _jsonable(value: Any) -> Any:
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return str(value)


def cmd_test(args: argparse.Namespace, out: Console, err: Console) -> int:
    """Run the app's tests; a line per test (only failures with -q), then a table of suites. Exit code: 0 all passed, 1 a test failed (or none found), 2 the app had load
    errors."""
    from .app_tests import LOAD_ERROR, iter_failures, run_tests, summarize

    runtime, problems = _load(args.app, err, quiet=args.json)
    service_errors = _start_services(runtime, err, quiet=args.json)
    app_dir = str(Path(args.app).resolve())
    t0 = time.perf_counter()

    def show(result: Any) -> None:
        if args.json or (result.ok and args.quiet):
            return
        mark = "[green]PASS[/]" if result.ok else "[red]FAIL[/]"
        line = f"{mark} {result.id}"
        if result.status != LOAD_ERROR:
            line += f" [dim]({result.ms:g} ms)[/]"
        if not result.ok:
            line += f"  [yellow]{result.status}:[/] {escape(_relative(result.error, app_dir))}"
        out.print(line, highlight=False, soft_wrap=True)

    try:
        results = run_tests(runtime, timeout=args.timeout, patterns=args.filter or None,
                            on_result=show)
    finally:
        runtime.close()
    seconds = time.perf_counter() - t0
    suites = summarize(results)
    passed = sum(r.ok for r in results)
    failed = len(results) - passed
    if args.json:
        print(json.dumps({"passed": passed, "failed": failed,
                          "tests": [r.to_dict() for r in results],
                          "suites": {s.name: {"passed": s.passed, "failed": s.failed}
                                     for s in suites},
                          "load_errors": problems, "service_errors": service_errors,
                          "seconds": round(seconds, 3)}))
    else:
        if results:
            table = Table(title=f"tests in {args.app}", title_justify="left")
            table.add_column("suite")
            for col in ("passed", "failed", "total"):
                table.add_column(col, justify="right")
            for s in suites:
                colour = "green" if s.failed == 0 else "red" if s.passed == 0 else "yellow"
                table.add_row(f"[{colour}]{escape(s.name)}[/]", str(s.passed),
                              str(s.failed) if s.failed else "", str(s.total))
            table.add_section()
            table.add_row("[bold]all[/]", str(passed), str(failed), str(len(results)))
            out.print(table)
        kinds: dict[str, int] = {}
        for r in iter_failures(results):
            kinds[r.status] = kinds.get(r.status, 0) + 1
        why = ", ".join(f"{n} {k}" for k, n in sorted(kinds.items()))
        out.print(f"{passed} passed, {failed} failed" + (f" ({why})" if why else "")
                  + f" in {seconds:.1f} s", highlight=False)
    if not results:
        err.print("[yellow]no tests found (function.lua entries with meta.type: test)[/]")
        return EXIT_FAILED
    if problems:
        return EXIT_LOAD
    return EXIT_OK if failed == 0 else EXIT_FAILED


def _relative(text: str, app_dir: str) -> str:
    """Paths inside the app shown relative to it (a failure line stays one readable line)."""
    return text.replace(app_dir + "/", "")


def _commands(runtime: Runtime) -> dict[str, Any]:
    """meta.command entries by command name (process.lua / process.wasm, as Wippy)."""
    found: dict[str, Any] = {}
    for built in runtime.built.values():
        command = getattr(built, "command", None)
        if command:
            found[str(command["name"])] = built
    return found


def cmd_run(args: argparse.Namespace, out: Console, err: Console) -> int:
    """`wippy run APP COMMAND [args...]` (a `meta.command` process) or `wippy run APP -x
    ns:entry [args...]` (any process entry): run it to completion on the app's terminal host.
    Args are string payloads (as Wippy passes them) and also the terminal's arguments
    (`io.args()`); the process's output goes to stdout. Exit code: 1 if it failed, its return
    value if that is an integer 0-255, else 0.

    A WASI command (`wasi:cli/run`, or `method: main`) runs in a terminal context: the same
    arguments through `get-arguments` (when `wasi.args` is empty), the real stdin, and
    `wasi:cli/exit` status N as the exit code (the host itself never exits from the guest)."""
    from .wasm.wasi_config import Terminal, WasiExit

    problem = _split_run_args(args)
    if problem:
        err.print(f"[red]error:[/] {problem}", highlight=False)
        return EXIT_LOAD
    command_args = list(args.args)
    if not args.exec and args.name is None:
        err.print("[red]error:[/] give a command name (or `list`), or -x ns:entry",
                  highlight=False)
        return EXIT_LOAD
    runtime, problems = _load(args.app, err, terminal=Terminal(tuple(command_args)),
                              quiet=args.silent)
    try:
        _start_services(runtime, err, quiet=args.silent)
        commands = _commands(runtime)
        if not args.exec and args.name == "list":
            return _list_commands(args, commands, out)
        if args.exec:
            definition, why = _exec_target(runtime, args.exec)
        else:
            definition = commands.get(args.name)
            known = ", ".join(sorted(commands)) or "none"
            why = f"no command {args.name!r} (commands: {known})"
            for entry, exc in runtime.failed.values():
                command = entry.meta.get("command") if isinstance(entry.meta, dict) else None
                if isinstance(command, dict) and command.get("name") == args.name:
                    why = f"command {args.name!r} ({entry.id}) failed to load: {exc}"
        if definition is None:
            err.print(f"[red]error:[/] {escape(why)}", highlight=False, soft_wrap=True)
            return EXIT_LOAD if problems else EXIT_FAILED
        host_id, why = _terminal_host(runtime, args.host)
        if host_id is None:
            err.print(f"[red]error:[/] {escape(why)}", highlight=False, soft_wrap=True)
            return EXIT_FAILED
        from .lua.modules.process import host_of

        payloads = [] if getattr(definition, "wasi_command", False) else command_args
        try:
            result = run_interruptible(
                runtime, lambda: host_of(runtime).run_to_end(definition, host_id, payloads),
                args.timeout)
        except Stopped as stopped:
            _report_stop(stopped, args, err)
            return stopped.code
        sys.stdout.flush()
        failure = result.get("error")
        if isinstance(failure, WasiExit):
            return failure.status
        if failure is not None:
            err.print("[red]error:[/] " + escape(run_failure(
                None if args.exec else args.name, definition.entry.id, failure)),
                highlight=False, soft_wrap=True)
            return EXIT_FAILED
        value = result.get("value")
        if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 255:
            return value
        return EXIT_OK
    finally:
        runtime.close()


def version_text() -> str:
    """The package version and the numeric call path in use (compiled shim or ctypes)."""
    from importlib.metadata import PackageNotFoundError, version

    from .wasm import fastcall

    try:
        ours = version("wippy-kernel")
    except PackageNotFoundError:
        ours = "unknown"
    return f"wippy-kernel {ours}; call path: {fastcall.describe()}"


_RUN_VALUE_FLAGS = {"-x": "exec", "--exec": "exec", "--host": "host", "--timeout": "timeout"}
_RUN_BOOL_FLAGS = {"-s": "silent", "--silent": "silent", "-c": "console", "--console": "console",
                   "--json": "json"}


def _split_run_args(args: argparse.Namespace) -> str | None:
    """`wippy run APP [flags] [command] [args...]`: flags up to the first other word (as
    Wippy's `run` reads them), then the command name (none with -x), then its arguments,
    passed through untouched."""
    rest = list(args.rest)
    while rest and rest[0].startswith("-") and rest[0] != "-":
        flag, _, inline = rest.pop(0).partition("=")
        if flag in _RUN_VALUE_FLAGS:
            if not inline:
                if not rest:
                    return f"{flag} needs a value"
                inline = rest.pop(0)
            setattr(args, _RUN_VALUE_FLAGS[flag], inline)
        elif flag in _RUN_BOOL_FLAGS:
            setattr(args, _RUN_BOOL_FLAGS[flag], True)
        else:
            return (f"unknown option {flag} for run (options: -x NS:ENTRY, --host ID, "
                    "--timeout SECONDS, -s, -c)")
    args.name = None if args.exec or not rest else rest.pop(0)
    args.args = rest
    if isinstance(args.timeout, str):
        try:
            args.timeout = _seconds(args.timeout)
        except argparse.ArgumentTypeError as exc:
            return f"--timeout: {exc}"
    return None


def _list_commands(args: argparse.Namespace, commands: dict[str, Any], out: Console) -> int:
    if args.json or "--json" in args.args:
        print(json.dumps({"commands": [
            {"name": n, "entry": d.entry.id, "kind": d.entry.kind,
             "short": d.command.get("short")} for n, d in sorted(commands.items())]}))
        return EXIT_OK
    table = Table(title=f"commands in {args.app}")
    for col in ("command", "entry", "kind", "description"):
        table.add_column(col)
    for name, d in sorted(commands.items()):
        table.add_row(name, d.entry.id, d.entry.kind, str(d.command.get("short") or ""))
    out.print(table)
    return EXIT_OK


def _exec_target(runtime: Runtime, spec: str) -> tuple[Any, str]:
    """The process entry `-x ns:entry` names, or (None, why not)."""
    if spec.count(":") != 1 or not all(spec.split(":")):
        return None, f"-x expects namespace:entry, got {spec!r}"
    built = runtime.built.get(spec)
    if built is None:
        failed = runtime.failed.get(spec)
        if failed is not None:
            return None, f"{spec} failed to load: {failed[1].message}"
        return None, f"{spec}: no such entry"
    if built.entry.kind not in ("process.lua", "process.wasm"):
        return None, (f"{spec} is a {built.entry.kind}; -x runs process entries (process.lua, "
                      "process.wasm); call functions with `wippy call`")
    return built, ""


def _terminal_host(runtime: Runtime, wanted: str | None) -> tuple[str | None, str]:
    """The host a CLI process runs on: --host, else the app's only terminal.host. An app
    without one still runs its commands (on an implicit host named `cli`)."""
    hosts = sorted(e.id for e in runtime.entries.values() if e.kind == "terminal.host")
    if wanted:
        entry = runtime.entries.get(wanted)
        if entry is None or entry.kind not in ("terminal.host", "process.host"):
            return None, (f"--host {wanted}: not a terminal.host of this app (terminal hosts: "
                          f"{', '.join(hosts) or 'none'})")
        return wanted, ""
    if len(hosts) > 1:
        return None, f"several terminal.host entries ({', '.join(hosts)}): choose one with --host"
    return (hosts[0] if hosts else "cli"), ""


def run_failure(command: str | None, entry_id: str, failure: Any) -> str:
    """What failed, in words: `command hello (cli:hello) failed: ...` (`app:x failed: ...` for
    `-x`); a guest's `err` result says so instead of showing the raw payload."""
    head = f"command {command} ({entry_id}) failed" if command else f"{entry_id} failed"
    if isinstance(failure, GuestError):
        payload = failure.payload
        if payload is None or payload is True:
            return f"{head}: it returned an error result without details"
        return f"{head}: it returned an error result: {_jsonable(payload)}"
    message = getattr(failure, "message", None) or str(failure)
    if message.startswith(entry_id + ": "):
        message = message[len(entry_id) + 2:]
    return f"{head}: {message}"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="wippy", description="Run Wippy apps: WASM and Lua "
                                     "entries from _index.yaml trees.")
    parser.add_argument("--version", action="version", version=version_text(),
                        help="print the version and which WASM call path is active")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    app_help = "the app: a directory (scanned recursively for _index.yaml) or one YAML file"
    json_help = "print exactly one JSON value (for scripts) instead of tables"
    p = sub.add_parser("entries", help="list the entries of an app")
    p.add_argument("app", help=app_help)
    p.add_argument("--json", action="store_true", help=json_help)
    p.set_defaults(func=cmd_entries)
    p = sub.add_parser("call", help="call an entry with JSON arguments")
    p.add_argument("app", help=app_help)
    p.add_argument("entry", help="the entry to call, as namespace:name")
    p.add_argument("args", nargs="*", help="arguments, as JSON values (bare words are strings)")
    p.add_argument("--json", action="store_true", help=json_help)
    p.add_argument("--timeout", type=_seconds, default=None, metavar="SECONDS",
                   help="interrupt the call after this long (exit 124)")
    p.set_defaults(func=cmd_call)
    p = sub.add_parser("test", help="run function.lua entries with meta.type: test")
    p.add_argument("app", help=app_help)
    p.add_argument("filter", nargs="*", help="run only tests whose id contains one of these")
    p.add_argument("--json", action="store_true", help=json_help + " (each test's suite, "
                   "status and error)")
    p.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT, metavar="SECONDS",
                   help=f"per-test time limit; a test running longer fails as a timeout "
                   f"(default {DEFAULT_TIMEOUT:g})")
    p.add_argument("-q", "--quiet", action="store_true", help="list failing tests only")
    p.set_defaults(func=cmd_test)
    p = sub.add_parser("run", help="run a meta.command process (`list` lists the commands), "
                       "or one process entry with -x ns:entry")
    p.add_argument("app", help=app_help)
    p.add_argument("rest", nargs=argparse.REMAINDER, metavar="[command] args",
                   help="a command name (or `list`; none with -x), then its arguments, "
                   "passed as string payloads")
    p.add_argument("-x", "--exec", metavar="NS:ENTRY", help="run this process entry and exit")
    p.add_argument("--host", help="terminal host to run on (default: the app's only "
                   "terminal.host)")
    p.add_argument("-s", "--silent", action="store_true", help="do not print load errors "
                   "and warnings")
    p.add_argument("-c", "--console", action="store_true",
                   help="accepted for Wippy compatibility (log format); no effect")
    p.add_argument("--json", action="store_true", help=json_help)
    p.add_argument("--timeout", type=_seconds, default=None, metavar="SECONDS",
                   help="interrupt the command after this long (exit 124)")
    p.set_defaults(func=cmd_run)
    return parser


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
    if not value > 0:
        raise argparse.ArgumentTypeError("must be more than 0 seconds")
    return value


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    # emoji=False: `app:ok:` in an error must not become a picture
    out = Console(highlight=False, emoji=False)
    err = Console(stderr=True, highlight=False, emoji=False)
    try:
        return args.func(args, out, err)
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
    except Exception as exc:  # noqa: BLE001 - no traceback for any user input
        say(err, "[red]error:[/] ", f"{type(exc).__name__}: {exc}")
        return EXIT_FAILED


if __name__ == "__main__":
    sys.exit(main())
