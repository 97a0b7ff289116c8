"""The `excel` module: build, read and write .xlsx workbooks, backed by openpyxl.

Wippy's surface (its excelize-backed module): `excel.new()` gives a workbook with one sheet,
"Sheet1"; `excel.open(file)` reads an `fs.File`; a Workbook has `new_sheet`, `get_sheet_list`,
`get_rows`, `set_cell_value`, `write_to(file)` and an idempotent `close`. Failures are Wippy's:
an operation on a missing sheet, a bad cell reference, a closed workbook or a file that is not
a workbook is INTERNAL (never retryable), `set_cell_value` returns only the error.

Decisions where the libraries differ:
- `get_rows` returns every value as text, as excelize does: booleans "TRUE"/"FALSE", integers
  "123", floats in Go's shortest fixed notation ("45.67", 10000.0 -> "10000"); rows stop at the
  last non-empty row and each row at its last non-empty cell (an empty sheet is `{}`); cells
  with formulas give the formula text (openpyxl does not compute formulas).
- `new_sheet` returns the sheet's 0-based position, excelize's index (the first added sheet of
  a new workbook is 1); an existing name returns its position, a name Excel rejects (over 31
  characters, `[]:*?/\\`) is INTERNAL naming the sheet.
- `open` and `write_to` take the `fs` module's File objects; the whole workbook is read or
  written in one go.
"""

from __future__ import annotations

import io
import re
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from ...errors import INTERNAL
from ..objects import error_value, fail, lua_class, text_arg
from ._optional import load

if TYPE_CHECKING:
    from ..host import LuaHost
    from ..state import LuaState

_CELL = re.compile(r"^([A-Za-z]{1,3})([1-9][0-9]{0,6})$")
_BAD_SHEET = re.compile(r"[\[\]:*?/\\]")


class _Book:
    __slots__ = ("wb",)

    def __init__(self, wb: Any) -> None:
        self.wb: Any = wb


def cell_text(value: Any) -> str:
    """A cell's value as excelize's GetRows renders it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            return str(value)
        text = format(Decimal(repr(value)), "f")
        return text[:-2] if text.endswith(".0") else text
    return str(value)


def install(state: LuaState, runtime: LuaHost) -> None:
    openpyxl = load("excel", "openpyxl")
    lua = state.lua

    def array(items: list[Any]) -> Any:
        t = lua.table()
        for i, v in enumerate(items, 1):
            t[i] = v
        return t

    def fs_file(value: Any) -> Any:
        """The Python file behind an `fs.File` object (None for anything else)."""
        cls = state.__dict__.get("_wippy_classes", {}).get("fs.File")
        handle = cls.unwrap(value) if cls is not None else None
        return handle

    def book(h: _Book, method: str) -> Any:
        if h.wb is None:
            return None, error_value(f"workbook:{method}: workbook is closed", INTERNAL)
        return h.wb, None

    def sheet(wb: Any, method: str, name: str) -> Any:
        if name not in wb.sheetnames:
            return None, error_value(f"workbook:{method}: sheet {name} does not exist", INTERNAL)
        return wb[name], None

    def new_sheet(h: _Book, name: Any = None, *_: Any) -> Any:
        wb, err = book(h, "new_sheet")
        if wb is None:
            return None, err
        title = text_arg("workbook:new_sheet", 1, "name", name)
        if title in wb.sheetnames:
            return wb.sheetnames.index(title), None
        if not title or len(title) > 31 or _BAD_SHEET.search(title):
            return fail(f"workbook:new_sheet: invalid sheet name {title!r} (1-31 characters, "
                        "none of []:*?/\\)", INTERNAL)
        wb.create_sheet(title)
        return wb.sheetnames.index(title), None

    def sheet_list(h: _Book, *_: Any) -> Any:
        wb, err = book(h, "get_sheet_list")
        if wb is None:
            return None, err
        return array([n.encode() for n in wb.sheetnames]), None

    def get_rows(h: _Book, name: Any = None, *_: Any) -> Any:
        wb, err = book(h, "get_rows")
        if wb is None:
            return None, err
        ws, err = sheet(wb, "get_rows", text_arg("workbook:get_rows", 1, "sheet", name))
        if ws is None:
            return None, err
        rows: list[list[str]] = []
        if ws._cells:  # a sheet never written to still reports one (empty) row
            for values in ws.iter_rows(values_only=True):
                row = [cell_text(v) for v in values]
                while row and row[-1] == "":
                    row.pop()
                rows.append(row)
        while rows and not rows[-1]:
            rows.pop()
        return array([array([c.encode("utf-8", "surrogateescape") for c in r])
                      for r in rows]), None

    def set_cell_value(h: _Book, name: Any = None, ref: Any = None, value: Any = None,
                       *_: Any) -> Any:
        wb, err = book(h, "set_cell_value")
        if wb is None:
            return err
        title = text_arg("workbook:set_cell_value", 1, "sheet", name)
        cell = text_arg("workbook:set_cell_value", 2, "cell", ref)
        ws, err = sheet(wb, "set_cell_value", title)
        if ws is None:
            return err
        if not _CELL.match(cell):
            return error_value(f"workbook:set_cell_value: invalid cell reference {cell!r} "
                               "(column letters and a row number, like \"B2\")", INTERNAL)
        if isinstance(value, bytes):
            value = value.decode("utf-8", "surrogateescape")
        elif value is not None and not isinstance(value, (bool, int, float)):
            return error_value("workbook:set_cell_value: value must be a string, number or "
                               "boolean", INTERNAL)
        try:
            ws[cell.upper()] = value
        except (ValueError, TypeError) as exc:  # e.g. characters XML cannot hold
            return error_value(f"workbook:set_cell_value: {title}!{cell}: {exc}", INTERNAL)
        return None

    def write_to(h: _Book, target: Any = None, *_: Any) -> Any:
        wb, err = book(h, "write_to")
        if wb is None:
            return err
        fh = fs_file(target)
        if fh is None or getattr(fh, "closed", True):
            return error_value("workbook:write_to: argument 1 must be an open fs.File",
                               INTERNAL)
        buf = io.BytesIO()
        wb.save(buf)
        try:
            fh.file.write(buf.getvalue())
            fh.file.flush()
        except (OSError, ValueError) as exc:
            return error_value(f"workbook:write_to: {fh.path}: {exc}", INTERNAL)
        return None

    def close(h: _Book, *_: Any) -> None:
        if h.wb is not None:
            h.wb.close()
        h.wb = None

    Workbook = lua_class(state, "excel.Workbook", {
        "new_sheet": new_sheet, "get_sheet_list": sheet_list, "get_rows": get_rows,
        "set_cell_value": set_cell_value, "write_to": write_to, "close": close,
    }, lambda h: "excel.Workbook{closed}" if h is None or h.wb is None else
        f"excel.Workbook{{{', '.join(h.wb.sheetnames)}}}")

    def new(*_: Any) -> Any:
        wb = openpyxl.Workbook()
        wb.active.title = "Sheet1"
        return Workbook.new(_Book(wb)), None

    def open_(source: Any = None, *_: Any) -> Any:
        fh = fs_file(source)
        if fh is None or getattr(fh, "closed", True):
            return fail("excel.open: argument 1 must be an open fs.File", INTERNAL)
        try:
            data = fh.file.read()
        except (OSError, ValueError) as exc:
            return fail(f"excel.open: {fh.path}: {exc}", INTERNAL)
        if not data:
            return fail(f"excel.open: {fh.path}: file is empty", INTERNAL)
        try:
            wb = openpyxl.load_workbook(io.BytesIO(data))
        except Exception as exc:  # zipfile, XML and openpyxl errors alike: not a workbook
            return fail(f"excel.open: {fh.path} is not a valid .xlsx workbook: "
                        f"{type(exc).__name__}: {exc}", INTERNAL)
        return Workbook.new(_Book(wb)), None

    module = lua.table()
    module[b"new"] = new
    module[b"open"] = open_
    state.bind("excel", module)
