"""Security: who is calling (actor), what they may do (scope of policies), and the request
context that travels with a call.

Wippy's model: every execution carries an actor (id + meta) and a scope (a set
of `security.policy` entries); a check asks the scope about (actor, action, resource, meta).
Any deny wins, an allow needs a match, no match denies; without an actor or scope the answer is
`not strict_mode`. The current `ExecutionContext` is a context variable, so it flows from a
caller into every nested Lua and WASM execution on the same thread without being passed
around; `capture()`/`run_in()` carry it across a thread hop.
"""

from .actor import Actor
from .context import ExecutionContext, capture, current, run_in, using
from .manager import DEFAULT_LUA_MAX_MEMORY, Security
from .policy import ALLOW, DENY, UNDEFINED, Condition, Policy, PolicyError, parse_policy
from .scope import Scope

__all__ = [
    "ALLOW", "DENY", "UNDEFINED", "DEFAULT_LUA_MAX_MEMORY", "Actor", "Condition",
    "ExecutionContext", "Policy", "PolicyError", "Scope", "Security", "capture", "current",
    "parse_policy", "run_in", "using",
]
