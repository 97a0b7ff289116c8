"""The committed hosts fixture is exactly what its WAT + WIT sources build to."""

from __future__ import annotations

import subprocess
import sys

from hosts_helpers import FIXTURES


def test_hosts_fixture_is_reproducible():
    proc = subprocess.run([sys.executable, str(FIXTURES / "build.py"), "--check"],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "fixtures are up to date" in proc.stdout
