"""`temporal.client`: the connection a Temporal worker would use; here, a name and a namespace.

There is no Temporal server: workflows run in-process (scheduler/workflows.py). The client's
`address`, `auth`, `tls` and connection options are validated for shape and otherwise ignored,
so a Wippy app's client entry loads unchanged; its `namespace` is what `workflow.info()`
reports, and its id is the node part of workflow PIDs (`{client@worker|workflow_id}`).
"""

from __future__ import annotations

from ..errors import ValidationError
from ..registry import Entry
from .base import BuildContext, EntryInfo, Resource, warn_unknown_fields

_KNOWN = {"address", "namespace", "auth", "tls", "lifecycle", "connection", "options",
          "data_converter", "identity", "meta"}


class TemporalClient(Resource):
    kind = "temporal.client"

    def __init__(self, entry: Entry, address: str, namespace: str) -> None:
        super().__init__(entry)
        self.address = address
        self.namespace = namespace

    def info(self) -> EntryInfo:
        return EntryInfo(self.entry.id, self.kind,
                         detail={"namespace": self.namespace, "address": self.address,
                                 "note": "in-process workflow engine; no server is contacted"})


def _text(entry: Entry, name: str, default: str) -> str:
    value = entry.data.get(name, default)
    if not isinstance(value, str) or not value:
        raise entry.error(ValidationError, f"{name} must be a non-empty string", name)
    return value


def build_temporal_client(entry: Entry, ctx: BuildContext) -> TemporalClient:
    warn_unknown_fields(entry, _KNOWN, getattr(ctx, "runtime", None))
    auth = entry.data.get("auth")
    if auth is not None and not isinstance(auth, dict):
        raise entry.error(ValidationError, "auth must be a mapping (e.g. {type: none})", "auth")
    return TemporalClient(entry, _text(entry, "address", "localhost:7233"),
                          _text(entry, "namespace", "default"))
