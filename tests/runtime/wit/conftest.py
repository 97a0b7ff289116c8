"""Make `wippy_runtime` importable when the project is not installed (plain checkout)."""

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]
FIXTURES = REPO / "tests" / "fixtures" / "components"

try:
    import wippy_runtime  # noqa: F401
except ImportError:  # pragma: no cover - depends on how the suite is run
    sys.path.insert(0, str(REPO / "runtime"))
