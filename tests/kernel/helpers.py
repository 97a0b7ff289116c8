"""Running code in a real kernel over the protocol and collecting what comes back."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from jupyter_client.blocking import BlockingKernelClient


@dataclass
class Result:
    reply: dict[str, Any]
    msgs: list[dict[str, Any]] = field(default_factory=list)

    @property
    def status(self) -> str:
        return self.reply["content"]["status"]

    def of(self, msg_type: str) -> list[dict[str, Any]]:
        return [m["content"] for m in self.msgs if m["msg_type"] == msg_type]

    @property
    def stdout(self) -> str:
        return "".join(c["text"] for c in self.of("stream") if c["name"] == "stdout")

    @property
    def stderr(self) -> str:
        return "".join(c["text"] for c in self.of("stream") if c["name"] == "stderr")

    @property
    def result(self) -> str | None:
        res = self.of("execute_result")
        return res[-1]["data"]["text/plain"] if res else None

    @property
    def displays(self) -> list[dict[str, Any]]:
        return [c["data"] for c in self.of("display_data")]

    @property
    def error(self) -> dict[str, Any] | None:
        errs = self.of("error")
        return errs[-1] if errs else None

    def text(self) -> str:
        """Everything a reader sees, as plain text."""
        parts = [self.stdout, self.stderr]
        parts += [d.get("text/plain", "") for d in self.displays]
        parts += [self.result or ""]
        if self.error:
            parts += [self.error["evalue"], *self.error["traceback"]]
        return "\n".join(parts)


def run(kc: BlockingKernelClient, code: str, timeout: float = 30) -> Result:
    """Execute `code`; return the reply and every iopub message of this request."""
    msg_id = kc.execute(code)
    reply = kc.get_shell_msg(timeout=timeout)
    while reply["parent_header"].get("msg_id") != msg_id:
        reply = kc.get_shell_msg(timeout=timeout)
    msgs = []
    while True:
        msg = kc.get_iopub_msg(timeout=timeout)
        if msg["parent_header"].get("msg_id") != msg_id:
            continue
        if msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
            break
        msgs.append(msg)
    return Result(reply, msgs)


def ok(kc: BlockingKernelClient, code: str, timeout: float = 30) -> Result:
    res = run(kc, code, timeout)
    assert res.status == "ok", (res.text(), res.reply["content"])
    return res
