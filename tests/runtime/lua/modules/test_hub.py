"""The `hub` module through real Lua: Wippy's input validation, its permission check, and
the error every request gets once valid (this runtime does not reach the hub service)."""

from __future__ import annotations

import pytest
from lua_modules_helpers import ERR
from wippy_runtime.errors import INVALID, PERMISSION_DENIED, UNAVAILABLE

DETAILS = """
local function d(err)
  local t = e(err)
  if t then t.details = err:details() end
  return t
end
"""


def hub(run, call: str, **kw):
    return run(ERR + DETAILS + f"local res, err = {call}\nreturn {{res == nil, d(err)}}",
               ["hub"], **kw)


@pytest.mark.parametrize("call, message", [
    ('hub.modules.search("")', "query required"),
    ('hub.modules.search("   ")', "query required"),
    ('hub.modules.list("nope")', 'invalid option "options"'),
    ('hub.modules.get({ org = "wippy" })', "module reference table must include id or org/name"),
    ('hub.modules.get(nil)', "module reference required"),
    ('hub.modules.get("wippy/")', "module name must be org/name"),
    ('hub.modules.get(42)', "module reference must be string or table"),
    ('hub.modules.readme({ org = "wippy" })', "must include id or org/name"),
    ('hub.modules.readme("wippy/terminal", { version = { bad = "x" } })',
     "version table must include id, version, or label"),
    ('hub.versions.get("wippy/terminal", nil)', "version reference required"),
    ('hub.versions.get("wippy/terminal", "  ")', "version reference required"),
    ('hub.versions.inspect("wippy/terminal", true)', "version reference must be string or table"),
    ('hub.files.list("wippy/terminal", nil)', "version reference required"),
    ('hub.dependencies.get("wippy/terminal", { bad = "x" })',
     "version table must include id, version, or label"),
    ('hub.modules.list({ page = "two" })', 'invalid option "page"'),
    ('hub.modules.list({ visibility = "secret" })', 'invalid option "visibility"'),
    ('hub.modules.search("cli", { keywords = { 1 } })', 'invalid option "keywords"'),
    ('hub.versions.list("wippy/terminal", { include_yanked = "yes" })',
     'invalid option "include_yanked"'),
    ('hub.versions.list("wippy/terminal", { timeout = "soon" })', 'invalid option "timeout"'),
    ('hub.modules.get({ id = 5 })', 'invalid option "id"'),
])
def test_invalid_input_is_an_invalid_error(run, call, message):
    nil, err = hub(run, call)
    assert nil is True
    assert err["kind"] == INVALID and err["retryable"] is False
    assert message in err["message"]


def test_option_errors_say_what_was_expected(run):
    _, err = hub(run, 'hub.modules.list({ page_size = true })')
    assert err["details"] == {"option": "page_size", "expected": "number", "actual": "boolean"}


@pytest.mark.parametrize("call, operation, module", [
    ('hub.modules.list({ org = "wippy", sort_order = "Downloads Desc", page = 1 })',
     "hub.modules.list", None),
    ('hub.modules.search("terminal", { keywords = { "cli" }, include_deprecated = true })',
     "hub.modules.search", None),
    ('hub.modules.get({ org = "wippy", name = "terminal" })', "hub.modules.get",
     "wippy/terminal"),
    ('hub.modules.readme("wippy/terminal", { version = { label = "latest" } })',
     "hub.modules.readme", "wippy/terminal"),
    ('hub.versions.list("wippy/terminal", { page_size = 10, timeout = "20s" })',
     "hub.versions.list", "wippy/terminal"),
    ('hub.versions.get({ full_name = "wippy/terminal" }, { version = "1.0.0" })',
     "hub.versions.get", "wippy/terminal"),
    ('hub.dependencies.get("mod-id-1")', "hub.dependencies.get", "mod-id-1"),
    ('hub.dependents.get("wippy/terminal", { page = 2 })', "hub.dependents.get",
     "wippy/terminal"),
    ('hub.files.list("wippy/terminal", "0.1.0", { registry = "https://hub.example" })',
     "hub.files.list", "wippy/terminal"),
])
def test_valid_requests_report_that_the_hub_is_not_reachable(run, call, operation, module):
    nil, err = hub(run, call)
    assert nil is True
    assert err["kind"] == UNAVAILABLE and err["retryable"] is False
    assert "not reachable from this runtime" in err["message"]
    assert err["details"]["operation"] == operation
    assert err["details"].get("module") == module


def test_permission_is_checked_on_the_module(run, policy):
    only_files = policy("only_files", actions=["funcs.call", "hub.files.list"])
    _, err = hub(run, 'hub.modules.get("wippy/terminal")', actor="a", scope=[only_files])
    assert err["kind"] == PERMISSION_DENIED and "not allowed: hub.modules.get" in err["message"]
    assert err["details"] == {"action": "hub.modules.get", "resource": "wippy/terminal"}
    _, err = hub(run, 'hub.files.list("wippy/terminal", "1.0.0")', actor="a",
                 scope=[only_files])
    assert err["kind"] == UNAVAILABLE


def test_search_query_of_the_wrong_type_raises(run):
    with pytest.raises(Exception, match=r"bad argument #1 to 'search' \(string expected"):
        run('return hub.modules.search({})', ["hub"])
