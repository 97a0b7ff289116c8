"""The WIT grammar is built on first parse, not at import, and syntax errors read well."""

import subprocess
import sys
from pathlib import Path

import pytest
from lark.exceptions import UnexpectedInput
from wippy_runtime.wit.errors import WitError
from wippy_runtime.wit.grammar import parse_tree, syntax_error

RUNTIME = Path(__file__).resolve().parents[3] / "runtime"


def test_importing_the_runtime_does_not_build_the_grammar():
    probe = (
        "import wippy_runtime, wippy_runtime.wit.grammar as g\n"
        "assert g._parser.cache_info().currsize == 0, 'built at import'\n"
        "g.parse_tree('f: func();')\n"
        "assert g._parser.cache_info().currsize == 1\n"
    )
    subprocess.run([sys.executable, "-c", probe], check=True, cwd=RUNTIME,
                   env={"PYTHONPATH": str(RUNTIME), "PATH": ""})


def test_parse_tree_gives_lark_items():
    tree = parse_tree("compute: func(a: s32) -> s32;")
    assert [c.data for c in tree.children] == ["top_func"]


@pytest.mark.parametrize(("text", "message"), [
    ("f: func(a: s32", "line 1, column 15: expected ')' or ',', found end of input"),
    ("f: func(a: ) -> s32;", "line 1, column 12: expected a type, found ')'"),
    ("f: func() -> s32 $", "line 1, column 18: unexpected character '$'"),
])
def test_syntax_errors_name_line_column_and_what_fits(text, message):
    with pytest.raises(UnexpectedInput) as info:
        parse_tree(text)
    err = syntax_error(info.value, text)
    assert isinstance(err, WitError)
    assert str(err) == message
