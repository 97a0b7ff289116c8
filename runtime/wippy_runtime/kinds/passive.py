"""Kinds that are accepted, validated and listed, but have no behaviour yet.

`process.wasm`/`process.lua` get processes with the scheduler; `process.host` and
`terminal.host` get theirs with it too (`security.policy` and `env.variable` have their own
modules).
Other real Wippy kinds (SQL, queues, ...) are listed with a note that wippy-kernel does not
run them, rather than being dropped or rejected, so real projects still load.
"""

from __future__ import annotations

from ..errors import ValidationError
from ..registry import Entry
from .base import BuildContext, EntryInfo, Resource
from .wasm_config import parse_wasm_config

SPEC_KINDS = ("process.wasm", "process.lua", "process.host", "terminal.host")

# Wippy kinds outside this project's scope (listed by Wippy's docs): accepted and listed as inert.
OTHER_WIPPY_KINDS = (
    "module.lua", "function.lua.bc", "library.lua.bc", "process.lua.bc",
    "workflow.lua.bc", "db.sql.postgres", "db.sql.mysql", "db.cdc.postgres", "store.sql",
    "store.kv.raft", "store.kv.crdt", "queue.driver.amqp",
    "queue.driver.sqs", "process.service", "pg.scope",
    "config.aws", "cloudstorage.s3", "fs.embed",
    "security.policy.expr",
    "exec.docker", "network", "network.socks5", "network.i2p", "network.tailscale",
    "registry.entry", "ns.definition", "ns.requirement",
)


class PassiveEntry(Resource):
    def __init__(self, entry: Entry, note: str) -> None:
        super().__init__(entry)
        self.kind = entry.kind
        self.note = note

    def info(self) -> EntryInfo:
        method = self.entry.data.get("method")
        return EntryInfo(self.entry.id, self.entry.kind,
                         method=method if isinstance(method, str) else None,
                         detail={"note": self.note})


def build_passive(entry: Entry, ctx: BuildContext) -> PassiveEntry:
    if entry.kind == "process.wasm":
        parse_wasm_config(entry, binary=True)
    elif entry.kind == "process.lua":
        for name in ("source", "method"):
            if not entry.data.get(name):
                raise entry.error(ValidationError, f"{name} is required", name)
    if entry.kind in SPEC_KINDS:
        note = "accepted; behaviour arrives with a later issue"
    else:
        note = "a Wippy kind wippy-kernel does not run"
    return PassiveEntry(entry, note)
