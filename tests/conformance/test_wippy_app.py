"""Conformance: Wippy's own runtime test app, run read-only with `wippy test --json`.

`expected_pass.txt` lists the app tests this project passes. A listed test that fails breaks
CI; a test that newly passes is reported so the file can grow (`python -m
tests.conformance.update` regenerates it, and refuses to drop ids).
"""

from __future__ import annotations

import time
import warnings

import pytest

from .app_run import AppMissing, find_app, passing, read_expected, run_app


@pytest.fixture(scope="module")
def app_result():
    try:
        app = find_app()
    except AppMissing as exc:
        # The app is a peer's suite that lives beside the project, not in it: a machine that
        # does not have it cannot run this check (said in the message); every other test
        # still runs. Where it is present, an expected test that fails fails CI.
        pytest.skip(str(exc))
    t0 = time.monotonic()
    result = run_app(app)
    result["wall_seconds"] = time.monotonic() - t0
    return result


def test_expectations_file_is_sorted_and_unique():
    ids = read_expected()
    assert ids == sorted(set(ids)), "expected_pass.txt must be sorted, one id per line"


def test_expected_app_tests_pass(app_result):
    by_id = {t["id"]: t for t in app_result["tests"]}
    expected = read_expected()
    # A few app tests assert their own wall time (e.g. "parallel beats sequential in 200 ms");
    # on a loaded machine one can miss it inside the full run. An expected test that fails is
    # run once more on its own, and only a second failure counts.
    failed = [i for i in expected if i in by_id and not by_id[i]["ok"]]
    if failed:
        again = {t["id"]: t for t in run_app(find_app(), failed)["tests"]}
        by_id.update({i: again[i] for i in failed if i in again})
    broken = [f"{i}: {by_id[i]['status']}: {by_id[i]['error']}" if i in by_id else
              f"{i}: no longer found in the app" for i in expected if not by_id.get(i, {}).get(
                  "ok")]
    newly = sorted(passing(app_result) - set(expected))
    if newly:
        message = (f"{len(newly)} app test(s) pass that expected_pass.txt does not list yet "
                   "(run `python -m tests.conformance.update`):\n  " + "\n  ".join(newly))
        print(message)
        warnings.warn(message, stacklevel=1)
    assert not broken, (f"{len(broken)} of {len(expected)} expected app tests fail:\n  "
                        + "\n  ".join(broken))


def test_the_whole_app_run_fits_ci(app_result):
    # The app run is one subprocess for ~450 tests; a run near the 2-minute mark means tests
    # are hitting their per-test deadline, which is a bug to look at, not a slow machine.
    assert app_result["wall_seconds"] < 110


def test_a_missing_app_is_a_clear_failure(monkeypatch, tmp_path):
    monkeypatch.setenv("WIPPY_RUNTIME_TESTS_APP", str(tmp_path / "nowhere"))
    with pytest.raises(AppMissing, match="part of the environment"):
        find_app()
