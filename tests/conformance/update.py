"""Regenerate `expected_pass.txt` from the app's current results.

    python -m tests.conformance.update            # two runs; ids that passed in both
    python -m tests.conformance.update --runs 3 --allow-shrink

Only ids that pass in every run are written (a timing-flaky test would make CI flaky). The
file only grows: an expected id that no longer passes is an error unless --allow-shrink.
"""

from __future__ import annotations

import argparse
import sys

from .app_run import EXPECTED, find_app, passing, read_expected, run_app


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.conformance.update")
    parser.add_argument("--runs", type=int, default=2, help="runs whose passes must agree")
    parser.add_argument("--allow-shrink", action="store_true",
                        help="drop expected ids that no longer pass")
    args = parser.parse_args(argv)
    app = find_app()
    stable: set[str] | None = None
    for n in range(args.runs):
        result = run_app(app)
        ids = passing(result)
        print(f"run {n + 1}: {len(ids)} of {len(result['tests'])} pass "
              f"({result.get('seconds', 0):.1f} s)")
        stable = ids if stable is None else stable & ids
    assert stable is not None
    old = set(read_expected()) if EXPECTED.exists() else set()
    lost = sorted(old - stable)
    if lost and not args.allow_shrink:
        print(f"{len(lost)} expected id(s) no longer pass; fix them or pass --allow-shrink:")
        print("  " + "\n  ".join(lost))
        return 1
    EXPECTED.write_text("".join(f"{i}\n" for i in sorted(stable)))
    print(f"{EXPECTED}: {len(stable)} ids ({len(stable - old)} new, {len(lost)} dropped)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
