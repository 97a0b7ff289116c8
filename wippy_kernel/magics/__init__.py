"""Magics, IPython-style: `%line` and `%%cell`, one module per magic (`*_magic.py`).

A magic module defines one `Magic` subclass instance named `MAGIC`; `registry()` discovers them,
so adding a magic means adding a file. A magic's class docstring is its `%name?` help.
"""

from __future__ import annotations

import importlib
import pkgutil
from functools import cache

from .base import Magic, MagicContext, MagicError

__all__ = ["Magic", "MagicContext", "MagicError", "registry"]


@cache
def registry() -> dict[str, Magic]:
    """Every magic by name (`wat`, `call`, ...); cell and line magics share one namespace."""
    found: dict[str, Magic] = {}
    for info in pkgutil.iter_modules(__path__):
        if info.name.endswith("_magic"):
            module = importlib.import_module(f"{__name__}.{info.name}")
            magic: Magic = module.MAGIC
            found[magic.name] = magic
    return dict(sorted(found.items()))
