"""Fixtures for the security tests: a fresh Runtime per test."""

from __future__ import annotations

import pytest
from wippy_runtime import Runtime


@pytest.fixture
def rt():
    runtime = Runtime(cache_dir=False)
    yield runtime
    runtime.close()
