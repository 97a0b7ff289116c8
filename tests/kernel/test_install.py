"""`python -m wippy_kernel install --prefix P` writes a kernelspec jupyter_client can find."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from jupyter_client.kernelspec import KernelSpecManager

from .kernelspec import ROOT


def test_install_prefix(tmp_path):
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT), str(ROOT / "runtime")]))
    out = subprocess.run([sys.executable, "-m", "wippy_kernel", "install", "--prefix",
                          str(tmp_path)], env=env, capture_output=True, text=True, check=True)
    spec_file = tmp_path / "share" / "jupyter" / "kernels" / "wippy" / "kernel.json"
    assert spec_file.exists(), out.stdout + out.stderr
    spec = json.loads(spec_file.read_text())
    assert spec["argv"][1:3] == ["-m", "wippy_kernel"] and spec["language"] == "lua"
    assert spec["display_name"] == "Wippy (Lua + WASM)" and spec["interrupt_mode"] == "signal"
    ksm = KernelSpecManager(kernel_dirs=[str(spec_file.parent.parent)])
    assert ksm.get_kernel_spec("wippy").display_name == "Wippy (Lua + WASM)"


def test_shipped_kernelspec_matches_installer():
    shipped = json.loads((ROOT / "wippy_kernel" / "kernelspec" / "kernel.json").read_text())
    sys.path[:0] = [str(ROOT), str(ROOT / "runtime")]
    from wippy_kernel.install import kernel_json

    assert shipped == kernel_json("python")
