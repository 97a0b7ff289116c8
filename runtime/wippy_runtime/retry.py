"""Retry of a failed call, from the `retry` table of its options (Wippy's call options).

```lua
c:with_options({retry = {max_attempts = 5, initial_delay = 1}}):open("app:impl")
```

`max_attempts` counts every attempt (1, or absent, means no retry); `initial_delay` (ms as a
number, or a Go duration string such as "50ms"), `max_delay`, `backoff_factor` (default 2)
and `jitter` (a fraction, default 0.1) give an exponential backoff; `retry_kinds` /
`skip_kinds` narrow which error kinds are retried. An error marked not retryable is never
retried; otherwise Invalid, PermissionDenied and Internal are not retried by default and
every other kind (an unmarked error included) is, as Wippy's retry interceptor decides.

The policy only *decides* (`delay_ns(kind, retryable, attempt)`); the caller waits and calls
again, so a waiting Lua coroutine parks on its dispatcher instead of blocking a thread.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .errors import INTERNAL, INVALID, PERMISSION_DENIED
from .resources.memory_store import parse_duration

_MS = 1_000_000
_NOT_RETRIED_BY_DEFAULT = frozenset((INVALID, PERMISSION_DENIED, INTERNAL))


class RetryOptionError(ValueError):
    """A `retry` option of the wrong type (the message names the option)."""


def _duration_ns(name: str, value: Any) -> int:
    if isinstance(value, bool):
        raise RetryOptionError(f"retry.{name} must be milliseconds or a duration string")
    if isinstance(value, (int, float)):
        return int(value * _MS)
    if isinstance(value, str):
        seconds = parse_duration(value)
        if seconds is None:
            raise RetryOptionError(f"retry.{name}: {value!r} is not a duration such as "
                                   "\"50ms\" or \"1s\"")
        return int(seconds * 1e9)
    raise RetryOptionError(f"retry.{name} must be milliseconds or a duration string")


def _number(name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise RetryOptionError(f"retry.{name} must be a number")
    return float(value)


def _kinds(name: str, value: Any) -> frozenset[str]:
    if value is None or value == {}:
        return frozenset()
    if not isinstance(value, list) or not all(isinstance(k, str) for k in value):
        raise RetryOptionError(f"retry.{name} must be a list of error kinds")
    return frozenset(value)


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 1
    initial_delay_ns: int = 100 * _MS
    max_delay_ns: int = 10_000 * _MS
    backoff_factor: float = 2.0
    jitter: float = 0.1
    retry_kinds: frozenset[str] = frozenset()
    skip_kinds: frozenset[str] = frozenset()

    @classmethod
    def from_options(cls, options: Mapping[str, Any] | None) -> RetryPolicy | None:
        """The policy of call options (plain values), or None when they ask for no retry.
        Raises RetryOptionError for a malformed `retry` table."""
        if not options:
            return None
        retry = options.get("retry")
        if retry is None or retry == [] or retry == {}:
            return None
        if not isinstance(retry, Mapping):
            raise RetryOptionError("retry must be a table")
        attempts = retry.get("max_attempts", 0)
        if isinstance(attempts, bool) or not isinstance(attempts, (int, float)):
            raise RetryOptionError("retry.max_attempts must be a number")
        policy = cls(max_attempts=int(attempts))
        changes: dict[str, Any] = {}
        if "initial_delay" in retry and _duration_ns("initial_delay", retry["initial_delay"]) > 0:
            changes["initial_delay_ns"] = _duration_ns("initial_delay", retry["initial_delay"])
        if "max_delay" in retry and _duration_ns("max_delay", retry["max_delay"]) > 0:
            changes["max_delay_ns"] = _duration_ns("max_delay", retry["max_delay"])
        if "backoff_factor" in retry and _number("backoff_factor", retry["backoff_factor"]) > 0:
            changes["backoff_factor"] = _number("backoff_factor", retry["backoff_factor"])
        if "jitter" in retry:
            changes["jitter"] = max(0.0, _number("jitter", retry["jitter"]))
        changes["retry_kinds"] = _kinds("retry_kinds", retry.get("retry_kinds"))
        changes["skip_kinds"] = _kinds("skip_kinds", retry.get("skip_kinds"))
        policy = cls(**{**policy.__dict__, **changes})
        return policy if policy.max_attempts > 1 else None

    def retries(self, kind: str, retryable: bool | None) -> bool:
        """Is an error of `kind` (marked `retryable`: True, False or None) worth another try?"""
        if retryable is False:
            return False
        if kind in self.skip_kinds:
            return False
        if self.retry_kinds:
            return kind in self.retry_kinds
        return kind not in _NOT_RETRIED_BY_DEFAULT

    def delay_ns(self, kind: str, retryable: bool | None, attempt: int) -> int | None:
        """How long to wait before attempt `attempt + 1` after attempt `attempt` failed with
        this error; None when the call should give up (not retried, or attempts used up)."""
        if attempt >= self.max_attempts or not self.retries(kind, retryable):
            return None
        base = min(self.initial_delay_ns * self.backoff_factor ** (attempt - 1),
                   float(self.max_delay_ns))
        spread = base * self.jitter
        return max(0, int(base + random.uniform(-spread, spread)))
