"""Modules backed by an optional Python library (treesitter, excel, html): import it lazily.

Those libraries are an extra (`pip install 'wippy-kernel[modules]'`), not a core dependency: a
runtime without them still loads every other entry. An entry that lists such a module must fail
when it is loaded, naming the module and the package to install, not later with a bare
ImportError from inside a call; `REQUIRES` says which import backs which module, `missing(name)`
answers the loader, and `load(name)` is what a module's `install` calls to get its library.
"""

from __future__ import annotations

import importlib
from types import ModuleType

from ...errors import INTERNAL, CallError

#: Lua module -> ((Python import, pip package), ...) it needs
REQUIRES: dict[str, tuple[tuple[str, str], ...]] = {
    "treesitter": (("tree_sitter", "tree-sitter"),
                   ("tree_sitter_language_pack", "tree-sitter-language-pack")),
    "excel": (("openpyxl", "openpyxl"),),
    "html": (("nh3", "nh3"),),
}

_EXTRA = "pip install 'wippy-kernel[modules]'"


def missing(module: str) -> str | None:
    """Why the Lua module `module` cannot be used here (None when its libraries import)."""
    for import_name, package in REQUIRES.get(module, ()):
        try:
            importlib.import_module(import_name)
        except ImportError as exc:
            return (f"module {module!r} needs the Python package {package!r}, which is not "
                    f"installed ({exc}); install it with `{_EXTRA}` or `pip install {package}`")
    return None


def load(module: str, import_name: str) -> ModuleType:
    """The library `import_name` backing the Lua module `module`, or a CallError naming both."""
    try:
        return importlib.import_module(import_name)
    except ImportError:
        why = missing(module) or f"module {module!r} cannot import {import_name!r}"
        raise CallError(why, kind=INTERNAL) from None
