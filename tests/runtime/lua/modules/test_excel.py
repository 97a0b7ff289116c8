"""The `excel` module from real Lua over openpyxl: cells as excelize renders them, sheets, a
round trip through an `fs.File` checked with openpyxl itself, and Wippy's INTERNAL errors for a
missing sheet, a bad cell, a closed workbook and a file that is not a workbook."""

from __future__ import annotations

import sys

import openpyxl
import pytest
from lua_modules_helpers import ERR
from wippy_runtime.errors import INTERNAL, ValidationError


@pytest.fixture
def vol(rt, tmp_path):
    root = tmp_path / "vol"
    root.mkdir()
    rt.define({"id": "app:files", "kind": "fs.directory", "directory": str(root)})
    return root


def test_values_render_as_excelize_text(run):
    out = run("""
local wb = excel.new()
local first = wb:new_sheet("Data")
local again = wb:new_sheet("Data")
wb:set_cell_value("Data", "A1", "x")
wb:set_cell_value("Data", "b1", 7)
wb:set_cell_value("Data", "C1", 2.5)
wb:set_cell_value("Data", "D1", 10000.0)
wb:set_cell_value("Data", "E1", true)
wb:set_cell_value("Data", "C3", 1e-7)
return { rows = wb:get_rows("Data"), sheets = wb:get_sheet_list(), first = first,
         again = again, empty = #wb:get_rows("Sheet1") }
""", ["excel"])
    rows = out["rows"]
    assert rows[0] == ["x", "7", "2.5", "10000", "TRUE"] and rows[2] == ["", "", "0.0000001"]
    assert len(rows) == 3 and not rows[1]  # an empty row in between stays (as an empty table)
    assert out["sheets"] == ["Sheet1", "Data"] and out["first"] == 1 == out["again"]
    assert out["empty"] == 0


def test_write_to_and_open_round_trip(run, vol):
    out = run("""
local v = fs.get("app:files")
local wb = excel.new()
wb:new_sheet("Sales")
wb:set_cell_value("Sales", "A1", "Month")
wb:set_cell_value("Sales", "B2", 12)
local f = v:open("/r.xlsx", "w")
local werr = wb:write_to(f)
f:close()
wb:close()
local g = v:open("/r.xlsx")
local wb2, oerr = excel.open(g)
g:close()
return { werr = werr == nil, oerr = oerr == nil, rows = wb2:get_rows("Sales") }
""", ["excel", "fs"])
    assert out == {"werr": True, "oerr": True, "rows": [["Month"], ["", "12"]]}
    book = openpyxl.load_workbook(vol / "r.xlsx")
    assert book.sheetnames == ["Sheet1", "Sales"] and book["Sales"]["B2"].value == 12


def test_errors_are_internal_and_name_what_failed(run, vol):
    (vol / "bad.xlsx").write_bytes(b"this is not a zip file")
    (vol / "empty.xlsx").write_bytes(b"")
    out = run(ERR + """
local v = fs.get("app:files")
local wb = excel.new()
local rows, e1 = wb:get_rows("Nope")
local e2 = wb:set_cell_value("Sheet1", "1A", "x")
local e3 = wb:set_cell_value("Nope", "A1", "x")
local idx, e4 = wb:new_sheet("bad/name")
local e5 = wb:set_cell_value("Sheet1", "A1", {})
wb:close()
wb:close()
local s, e6 = wb:get_sheet_list()
local f = v:open("/bad.xlsx")
local b, e7 = excel.open(f)
local g = v:open("/empty.xlsx")
local c, e8 = excel.open(g)
local d, e9 = excel.open("not a file")
return { rows = rows == nil, e1 = e(e1), e2 = e(e2), e3 = e(e3), e4 = e(e4), e5 = e(e5),
         e6 = e(e6), e7 = e(e7), e8 = e(e8), e9 = e(e9), after = excel.new() ~= nil }
""", ["excel", "fs"])
    assert out["rows"] is True and out["after"] is True
    for key in ("e1", "e2", "e3", "e4", "e5", "e6", "e7", "e8", "e9"):
        assert out[key]["kind"] == INTERNAL and out[key]["retryable"] is False, key
    assert "Nope" in out["e1"]["message"] and "1A" in out["e2"]["message"]
    assert "bad/name" in out["e4"]["message"] and "closed" in out["e6"]["message"]
    assert "/bad.xlsx" in out["e7"]["message"] and "empty" in out["e8"]["message"]
    assert "fs.File" in out["e9"]["message"]


def test_missing_library_fails_at_load_naming_the_package(run, monkeypatch):
    monkeypatch.setitem(sys.modules, "openpyxl", None)
    with pytest.raises(ValidationError, match=r"module 'excel' needs the Python package "
                                              r"'openpyxl'"):
        run("return 1", ["excel"])
