"""`terminal.host`: the host CLI processes run on (`wippy run COMMAND`, `wippy run -x`).

A terminal host gives the processes started on it the terminal context: the CLI's stdin,
stdout, stderr and the command's arguments, which the `io` module reads. `wippy run` picks the
app's only terminal host (or the one `--host` names); the host itself holds no state here.
"""

from __future__ import annotations

from ..errors import ValidationError
from ..registry import Entry
from .base import BuildContext, EntryInfo, Resource, warn_unknown_fields

_KNOWN = {"hide_logs", "lifecycle", "host"}


class TerminalHost(Resource):
    kind = "terminal.host"

    def __init__(self, entry: Entry, hide_logs: bool) -> None:
        super().__init__(entry)
        self.hide_logs = hide_logs

    def info(self) -> EntryInfo:
        return EntryInfo(self.entry.id, self.kind, detail={"hide_logs": self.hide_logs})


def build_terminal_host(entry: Entry, ctx: BuildContext) -> TerminalHost:
    warn_unknown_fields(entry, _KNOWN, ctx.runtime)
    hide_logs = entry.data.get("hide_logs", False)
    if not isinstance(hide_logs, bool):
        raise entry.error(ValidationError, "hide_logs must be true or false", "hide_logs")
    return TerminalHost(entry, hide_logs)
