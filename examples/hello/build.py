"""Rebuild examples/hello/wasm/*.wasm from src/ and print the sha256 values for _index.yaml.

Reproducible: the same sources give the same bytes (wasmtime's WAT compiler, no timestamps).
Run: python examples/hello/build.py [--check]
"""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path

import wasmtime

HERE = Path(__file__).parent
OUTPUTS = {"src/multiply.wat": "wasm/multiply.wasm",
           "src/square.component.wat": "wasm/square.component.wasm"}


def build() -> dict[str, bytes]:
    return {out: bytes(wasmtime.wat2wasm((HERE / src).read_text())) for src, out in OUTPUTS.items()}


def main() -> int:
    check = "--check" in sys.argv
    status = 0
    for out, data in build().items():
        path = HERE / out
        if check:
            if not path.exists() or path.read_bytes() != data:
                print(f"{out}: differs from its source", file=sys.stderr)
                status = 1
        else:
            path.parent.mkdir(exist_ok=True)
            path.write_bytes(data)
        print(f"{out}: sha256:{hashlib.sha256(data).hexdigest()}")
    return status


if __name__ == "__main__":
    sys.exit(main())
