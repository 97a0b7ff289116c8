"""`is_complete_request`: is the cell ready to run (console Enter), and how to indent next."""

from __future__ import annotations

import re

import yaml

from .session import Session

_OPENS = re.compile(r"(\bdo|\bthen|\belse|\brepeat|\bfunction\b.*\)|[{(\[])\s*$")


def _indent(code: str, opens: bool) -> str:
    last = code.rstrip("\n").rsplit("\n", 1)[-1]
    base = last[: len(last) - len(last.lstrip())]
    return base + "  " if opens else base


def lua_status(session: Session, code: str) -> tuple[str, str]:
    if not code.strip():
        return "complete", ""
    if session.state.try_compile("return " + code, "=check")[0] is not None:
        return "complete", ""
    fn, err = session.state.try_compile(code, "=check")
    if fn is not None:
        return "complete", ""
    if err and err.rstrip().endswith("<eof>"):
        last = code.rstrip("\n").rsplit("\n", 1)[-1]
        return "incomplete", _indent(code, bool(_OPENS.search(last)))
    return "invalid", ""


def wat_status(body: str) -> tuple[str, str]:
    depth = 0
    in_str = False
    i = 0
    while i < len(body):
        c = body[i]
        if in_str:
            if c == "\\":
                i += 1
            elif c == '"':
                in_str = False
        elif c == '"':
            in_str = True
        elif body.startswith(";;", i):
            nl = body.find("\n", i)
            i = len(body) if nl < 0 else nl
            continue
        elif c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
            if depth < 0:
                return "invalid", ""
        i += 1
    if depth > 0 or in_str or not body.strip():
        return "incomplete", "  " * max(depth, 1)
    return "complete", ""


def yaml_status(body: str) -> tuple[str, str]:
    if not body.strip():
        return "incomplete", ""
    last = body.rstrip("\n").rsplit("\n", 1)[-1]
    if re.search(r"(:|\|[-+]?|>[-+]?)\s*$", last) or last.strip() == "-":
        return "incomplete", _indent(body, True)
    try:
        yaml.safe_load(body)
    except yaml.YAMLError as exc:
        if "end of stream" in str(exc):
            return "incomplete", _indent(body, False)
        return "invalid", ""
    return "complete", ""


def is_complete(session: Session, code: str) -> tuple[str, str]:
    """('complete' | 'incomplete' | 'invalid', indent)."""
    first, _, body = code.partition("\n")
    head = first.strip()
    if head.startswith("%%"):
        name = head[2:].split(" ", 1)[0]
        if name == "wat":
            return wat_status(body)
        if name == "yaml":
            return yaml_status(body)
        if name == "lua":
            return lua_status(session, body) if body.strip() else ("incomplete", "")
        return "complete", ""
    lua = "\n".join("" if ln.startswith("%") else ln for ln in code.split("\n"))
    return lua_status(session, lua)
