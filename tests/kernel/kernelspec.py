"""Install the `wippy` kernelspec into a scratch JUPYTER_PATH for this test run.

Imported (for its side effect) before jupyter_client looks kernels up, so the kernel under test
is the code in this checkout, started as a real process: `sys.executable -m wippy_kernel`.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
_SCRATCH = Path(tempfile.mkdtemp(prefix="wippy-kernelspec-"))


def _install() -> Path:
    spec_dir = _SCRATCH / "kernels" / "wippy"
    spec_dir.mkdir(parents=True, exist_ok=True)
    sys.path[:0] = [str(ROOT), str(ROOT / "runtime")]
    from wippy_kernel.install import kernel_json

    pythonpath = os.pathsep.join([str(ROOT), str(ROOT / "runtime"),
                                  os.environ.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    spec = kernel_json(sys.executable, env={"PYTHONPATH": pythonpath})
    (spec_dir / "kernel.json").write_text(json.dumps(spec))
    os.environ["JUPYTER_PATH"] = os.pathsep.join(
        [str(_SCRATCH), os.environ.get("JUPYTER_PATH", "")]).rstrip(os.pathsep)
    return spec_dir


SPEC_DIR = _install()
