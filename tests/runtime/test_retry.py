"""The retry policy of call options: which errors are retried, how often, and after how long."""

from __future__ import annotations

import pytest
from wippy_runtime.errors import (
    INTERNAL,
    INVALID,
    NOT_FOUND,
    PERMISSION_DENIED,
    TIMEOUT,
    UNAVAILABLE,
    UNKNOWN,
)
from wippy_runtime.retry import RetryOptionError, RetryPolicy


@pytest.mark.parametrize("options", [None, {}, {"retry": {}}, {"retry": {"max_attempts": 1}},
                                     {"retry": {"max_attempts": 0}}, {"timeout": "1s"}])
def test_no_retry_without_more_than_one_attempt(options):
    assert RetryPolicy.from_options(options) is None


def test_attempts_and_exponential_backoff():
    p = RetryPolicy.from_options({"retry": {"max_attempts": 4, "initial_delay": 10,
                                            "jitter": 0}})
    assert p is not None
    assert [p.delay_ns(UNAVAILABLE, True, n) for n in (1, 2, 3, 4)] == \
        [10_000_000, 20_000_000, 40_000_000, None]
    capped = RetryPolicy.from_options({"retry": {"max_attempts": 9, "initial_delay": "1s",
                                                 "max_delay": "1.5s", "jitter": 0}})
    assert capped.delay_ns(UNAVAILABLE, None, 3) == 1_500_000_000


def test_jitter_stays_within_its_fraction():
    p = RetryPolicy.from_options({"retry": {"max_attempts": 3, "initial_delay": 100}})
    for _ in range(50):
        assert 90_000_000 <= p.delay_ns(TIMEOUT, True, 1) <= 110_000_000


@pytest.mark.parametrize("kind, retryable, retried", [
    (UNAVAILABLE, True, True), (UNAVAILABLE, None, True), (UNKNOWN, None, True),
    (NOT_FOUND, None, True), (UNAVAILABLE, False, False), (INVALID, None, False),
    (PERMISSION_DENIED, True, False), (INTERNAL, None, False),
])
def test_default_kinds(kind, retryable, retried):
    p = RetryPolicy.from_options({"retry": {"max_attempts": 2}})
    assert (p.delay_ns(kind, retryable, 1) is not None) is retried


def test_retry_and_skip_kinds_narrow_the_choice():
    p = RetryPolicy.from_options({"retry": {"max_attempts": 2, "retry_kinds": [TIMEOUT],
                                            "skip_kinds": [UNAVAILABLE]}})
    assert p.retries(TIMEOUT, None) and not p.retries(UNAVAILABLE, True)
    assert not p.retries(NOT_FOUND, None)


@pytest.mark.parametrize("retry, message", [
    ("often", "retry must be a table"),
    ({"max_attempts": "3"}, "retry.max_attempts must be a number"),
    ({"max_attempts": 3, "initial_delay": "soon"}, "retry.initial_delay"),
    ({"max_attempts": 3, "backoff_factor": "x"}, "retry.backoff_factor must be a number"),
    ({"max_attempts": 3, "retry_kinds": "Timeout"}, "retry.retry_kinds must be a list"),
])
def test_malformed_options_name_the_option(retry, message):
    with pytest.raises(RetryOptionError, match=message):
        RetryPolicy.from_options({"retry": retry})
