"""python -m bench: run every benchmark in this folder."""

import importlib
import pkgutil
from pathlib import Path

for info in sorted(pkgutil.iter_modules([str(Path(__file__).parent)]), key=lambda i: i.name):
    if info.name.startswith("bench_"):
        print(f"\n== {info.name} ==")
        importlib.import_module(f"bench.{info.name}").main()
