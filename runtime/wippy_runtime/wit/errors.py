"""The errors of the WIT layer, one class per party at fault.

- `WitError`: the WIT text itself (syntax, unknown or duplicate names), with line and column.
- `WitValueError`: a caller's value does not fit its WIT type, with the parameter and path.
- `CoreAbiError`: a core module does not provide what the canonical ABI needs, or handed
  back data that breaks it (a bad pointer, invalid UTF-8).

Each carries its details as fields, so callers render them without parsing message text.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .types import WitType

__all__ = ["WitError", "WitValueError", "CoreAbiError"]


class WitError(ValueError):
    """A syntax or name error in WIT text; `line`/`column` are 1-based (0 when unknown)."""

    def __init__(self, message: str, line: int = 0, column: int = 0) -> None:
        self.message = message
        self.line = line
        self.column = column
        where = f"line {line}, column {column}: " if line else ""
        super().__init__(where + message)


class WitValueError(ValueError):
    """A value that does not fit its WIT type.

    `param` is the parameter name (None outside an argument), `index` its 1-based position,
    `path` the location inside the value (`users[2].tags[1]`), `reason` the bare problem.
    """

    def __init__(
        self,
        message: str,
        *,
        reason: str = "",
        path: str = "",
        param: str | None = None,
        index: int | None = None,
        wit_type: WitType | None = None,
    ) -> None:
        super().__init__(message)
        self.reason = reason or message
        self.path = path
        self.param = param
        self.index = index
        self.wit_type = wit_type


class CoreAbiError(ValueError):
    """The module does not provide what the canonical ABI needs, or returned bad data."""
