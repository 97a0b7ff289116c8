"""The Magic base class, its argument parser, and the context a magic runs in."""

from __future__ import annotations

import argparse
import inspect
import re
import shlex
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from wippy_runtime.errors import LoadError

from ..display import source_bundle
from ..session import CellError, Session, load_error


class MagicError(CellError):
    """A magic's usage or input error (shown as an error reply)."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        raise MagicError("UsageError", f"{message}\n{self.format_usage().strip()}",
                         [f"UsageError: {message}", self.format_usage().strip()])

    def exit(self, status: int = 0, message: str | None = None) -> None:  # type: ignore[override]
        raise MagicError("UsageError", message or self.format_usage())


@dataclass
class MagicContext:
    """What a magic may use: the session, output functions, and where its body sits."""

    session: Session
    display: Callable[[dict[str, Any]], None]
    stdout: Callable[[str], None]
    stderr: Callable[[str], None] = lambda text: None
    cwd: Path = field(default_factory=Path.cwd)
    body_line: int = 2  # the cell line of the body's first line (cell magics)
    widget: Callable[[Any], None] | None = None
    #: run cell text (Lua and magics) as a cell would, lines counted from the given cell
    #: line; returns the last expression's display bundle (`%%trace` runs its body with it)
    run_body: Callable[[str, int], dict[str, Any] | None] | None = None


class Magic:
    """Base class: set `name` and `cell`, implement `add_arguments` and `run`."""

    name: str = ""
    cell: bool = False  # True: a `%%cell` magic, whose body is the rest of the cell
    line_too: bool = False  # a cell magic that also works as a `%line` magic (`%trace`)

    def accepts(self, as_cell: bool) -> bool:
        """Does `%name` (as_cell False) or `%%name` (True) reach this magic?"""
        return self.cell == as_cell or (self.line_too and not as_cell)

    @property
    def forms(self) -> list[str]:
        """How it is written: `%name`, `%%name`, or both."""
        out = ["%" + self.name] if (not self.cell or self.line_too) else []
        return out + (["%%" + self.name] if self.cell else [])

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        """Declare the magic's options (argparse)."""

    def parser(self) -> argparse.ArgumentParser:
        p = _Parser(prog=" | ".join(self.forms), add_help=False,
                    description=inspect.getdoc(self) or "")
        self.add_arguments(p)
        return p

    #: shlex POSIX mode strips quotes; %call keeps them so `"x"` stays a JSON string
    posix_quotes = True

    def parse(self, line: str) -> argparse.Namespace:
        try:
            words = shlex.split(line, posix=self.posix_quotes)
        except ValueError as exc:
            raise MagicError("UsageError", f"%{self.name}: {exc}") from None
        return self.parser().parse_args(words)

    def help(self) -> str:
        """The `%name?` page: usage, then the docstring."""
        p = self.parser()
        return f"{p.format_usage().strip()}\n\n{inspect.getdoc(self) or ''}\n" + \
            _options(p)

    def run(self, ctx: MagicContext, line: str, body: str | None) -> None:
        raise NotImplementedError


def _options(p: argparse.ArgumentParser) -> str:
    lines = []
    for action in p._actions:
        names = ", ".join(action.option_strings) or action.dest
        if action.help:
            lines.append(f"  {names:<22} {action.help}")
    return ("\nArguments:\n" + "\n".join(lines) + "\n") if lines else ""


LANG_EXT = {"function.wat": "wat", "function.lua": "lua", "library.lua": "lua"}


def define_entry(ctx: MagicContext, definition: dict[str, Any], *, body: str,
                 language: str) -> None:
    """Define or replace one entry from a cell body and echo it highlighted.

    On failure the previous version keeps serving (Runtime.define's contract) and the error
    points at the cell line (the error's `source_line`, counted from the body's first line)."""
    rt = ctx.session.runtime
    warnings_before = len(rt.warnings)
    try:
        rt.define(definition)
    except LoadError as exc:
        if language == "wat":
            located = wat_cell_error(exc, body, ctx.body_line, definition["id"])
            if located is not None:
                if definition["id"] in rt.targets:
                    located.traceback.append(
                        f"(the previous version of {definition['id']} keeps serving)")
                raise located from None
        line = exc.source_line
        err = load_error(exc, body=body, body_line=ctx.body_line, line_in_body=line)
        entry_id = definition["id"]
        if entry_id in rt.targets:
            err.traceback.append(f"(the previous version of {entry_id} keeps serving)")
        raise MagicError(err.ename, err.evalue, err.traceback) from None
    entry_id = definition["id"]
    for warning in rt.warnings[warnings_before:]:
        ctx.stderr(f"warning: {warning}\n")
    info = next((i for i in rt.describe() if i.id == entry_id), None)
    title = entry_id + (f"  ({info.kind}; {info.signature})" if info and info.signature else
                        f"  ({definition['kind']})")
    ctx.display(source_bundle(body, language, title))


_WAT_SYNTAX = re.compile(r"invalid WAT at line \d+, column \d+: ([^\n]*)")


def wat_cell_error(exc: LoadError, body: str, body_line: int, entry_id: str
                   ) -> MagicError | None:
    """A WAT error with one position, the cell's: syntax errors (wasmtime gives the body's
    line) and validation errors (wasmtime gives a byte offset of the binary)."""
    import wasmtime

    from ..wat_locate import locate, offset_of

    message = getattr(exc, "message", None) or str(exc)
    line: int | None = exc.source_line
    column: int = exc.source_column or 0
    reason = ""
    if line is not None:
        m = _WAT_SYNTAX.search(message)
        reason = m.group(1) if m else message.split("\n", 1)[0]
        what = "invalid WAT"
    else:
        offset = offset_of(message)
        if offset is None:
            return None
        try:
            where = locate(body, bytes(wasmtime.wat2wasm(body)), offset)
        except Exception:
            where = None
        if where is None:
            return None
        line, column = where
        reason = message.split(f"offset {offset}:", 1)[-1].strip()
        what = "invalid WebAssembly"
    cell_line = body_line + line - 1
    src = body.split("\n")[line - 1] if 0 < line <= len(body.split("\n")) else ""
    evalue = f"{entry_id}: {what} at cell line {cell_line}, column {column}: {reason}"
    gutter = len(str(cell_line))
    tb = [f"CompileError: {evalue}", f"  {cell_line} | {src}",
          f"  {' ' * gutter} | {' ' * (max(column, 1) - 1)}^"]
    return MagicError("CompileError", evalue, tb)


def entry_id_arg(value: str) -> str:
    if ":" not in value:
        raise argparse.ArgumentTypeError(f"expected an entry id ns:name, got {value!r}")
    return value
