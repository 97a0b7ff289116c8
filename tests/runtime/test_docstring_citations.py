"""Docstrings and comments say why in their own words: none cites a document that lives
outside this repository (a reader of the code has only the code)."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
#: the product documents this project was specified from, which are not part of it
OUTSIDE = re.compile(r"wippy-facts|wippy-compat|wippy-lua-modules|stack-notes|jupyter-notes|"
                     r"browser-testing|STYLE\.md|SPEC\.md|SPEC §|shared/docs")


def test_no_source_file_cites_a_document_outside_the_repository():
    offenders = []
    for folder in ("runtime", "wippy_kernel", "bench", "tests"):
        for path in sorted((ROOT / folder).rglob("*")):
            if path.suffix not in (".py", ".lua", ".c") or path == Path(__file__):
                continue
            for n, line in enumerate(path.read_text(errors="replace").splitlines(), 1):
                if OUTSIDE.search(line):
                    offenders.append(f"{path.relative_to(ROOT)}:{n}: {line.strip()}")
    assert not offenders, "\n".join(offenders)
