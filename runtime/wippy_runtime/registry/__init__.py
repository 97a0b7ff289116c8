"""Entries, IDs, the `_index.yaml` loader and the live registry."""

from .entry import Entry, Origin
from .ids import parse_id, resolve_ref
from .loader import LoadReport, load_path, parse_definition_text

__all__ = ["Entry", "Origin", "parse_id", "resolve_ref", "LoadReport", "load_path",
           "parse_definition_text"]
