"""The `exec` module over `exec.native` entries: real host processes from real Lua (exit codes,
env and work_dir, streams, stdin, signals), Wippy's permission and whitelist checks, bad
commands as `nil, err`, and no child left running after its entry is retired."""

from __future__ import annotations

import time

import pytest
from lua_modules_helpers import ERR
from wippy_runtime.errors import INTERNAL, INVALID, ValidationError


@pytest.fixture
def ex(rt, tmp_path):
    rt.define({"id": "app:exec", "kind": "exec.native", "default_env": {"BASE": "from-entry"}})
    rt.define({"id": "app:strict", "kind": "exec.native", "command_whitelist": ["echo ok"],
               "default_work_dir": str(tmp_path)})
    return tmp_path


READ_ALL = """
local function read_all(s)
  local out = {}
  while true do
    local chunk, err = s:read()
    if err then return nil, err end
    if chunk == nil then break end
    out[#out + 1] = chunk
  end
  return table.concat(out)
end
"""


def test_run_capture_exit_codes_env_and_work_dir(run, ex):
    out = run(READ_ALL + """
local e = exec.get("app:exec")
local p = e:exec("sh -c 'echo \\"$BASE/$EXTRA/$HOME\\"; pwd; echo oops >&2; exit 3'",
                 { env = { EXTRA = "from-call" }, work_dir = "%s" })
local stdout, stderr = p:stdout_stream(), p:stderr_stream()
assert(p:start())
local text, serr = read_all(stdout), read_all(stderr)
local code = p:wait()
local again, aerr = p:wait()
return { text = text, serr = serr, code = code, again = aerr:kind(),
         same = p:stdout_stream() == nil }
""" % ex, ["exec"])
    # only the entry's and the call's variables reach the child (HOME is not inherited)
    assert out["text"] == f"from-entry/from-call/\n{ex}\n"
    assert out["serr"] == "oops\n" and out["code"] == 3 and out["again"] == INVALID


def test_stdin_and_signals(run, ex):
    out = run(READ_ALL + """
local e = exec.get("app:exec")
local cat = e:exec("cat")
local s = cat:stdout_stream()
cat:start()
assert(cat:write_stdin("line one\\n"))
local first = s:read()
local sleeper = e:exec("sleep 30")
sleeper:start()
assert(sleeper:signal(15))
local killed = sleeper:wait()
cat:close()
local w, werr = cat:write_stdin("more")
local unstarted = e:exec("echo hi")
local sig, sigerr = unstarted:signal(15)
return { first = first, killed = killed, werr = werr:kind(), sigerr = sigerr:kind() }
""", ["exec"])
    assert out == {"first": "line one\n", "killed": -1, "werr": INVALID, "sigerr": INVALID}


def test_bad_commands_and_ids_are_error_values_naming_what_failed(run, ex):
    out = run(ERR + """
local a, e1 = exec.get("")
local b, e2 = exec.get("app:none")
local c, e3 = exec.get("app:t_unused")
local ex = exec.get("app:exec")
local d, e4 = ex:exec("   ")
local nf = ex:exec("no-such-binary-xyz --flag")
local ok, e5 = nf:start()
local f, e6 = ex:exec("echo 'unbalanced")
local strict = exec.get("app:strict")
local g, e7 = strict:exec("echo not-ok")
local fine = strict:exec("echo ok")
fine:start()
local code = fine:wait()
ex:release()
local h, e8 = ex:exec("echo hi")
return { e1 = e(e1), e2 = e(e2), e4 = e(e4), e5 = e(e5), e6 = e(e6), e7 = e(e7), e8 = e(e8),
         code = code, released_again = ex:release() }
""", ["exec"])
    assert out["e1"]["kind"] == INVALID and out["e2"]["kind"] == INTERNAL
    assert "app:none" in out["e2"]["message"]
    assert out["e4"]["kind"] == INVALID and "command is required" in out["e4"]["message"]
    assert out["e5"]["kind"] == INTERNAL and "no-such-binary-xyz" in out["e5"]["message"]
    assert out["e6"]["kind"] == INVALID and "unbalanced" in out["e6"]["message"]
    assert out["e7"]["kind"] == INTERNAL and "echo not-ok" in out["e7"]["message"]
    assert "command_whitelist" in out["e7"]["message"]
    assert out["e8"]["kind"] == INVALID and "released" in out["e8"]["message"]
    assert out["code"] == 0 and out["released_again"] is True


def test_permissions_exec_get_and_exec_run(run, ex, policy):
    allow = policy("allow_all")
    no_get = policy("no_get", actions="exec.get", resources="app:exec", effect="deny")
    no_rm = policy("no_rm", actions="exec.run", resources="rm *", effect="deny")
    out = run(ERR + """
local a, e1 = exec.get("app:exec")
local s = exec.get("app:strict")
return { e1 = e(e1), strict = s ~= nil }
""", ["exec"], actor="bob", scope=[allow, no_get])
    assert out["e1"]["kind"] == INVALID and "permission denied" in out["e1"]["message"]
    assert out["strict"] is True
    out = run(ERR + """
local x = exec.get("app:exec")
local p, e1 = x:exec("rm -rf /tmp/nothing-here")
local q = x:exec("echo fine")
return { e1 = e(e1), q = q ~= nil }
""", ["exec"], actor="bob", scope=[allow, no_rm])
    assert out["e1"]["kind"] == INVALID and "rm -rf" in out["e1"]["message"] and out["q"]


def test_retiring_the_entry_kills_its_running_children(rt, run, ex):
    keep = run("""
local p = exec.get("app:exec"):exec("sleep 30")
p:start()
return p
""", ["exec"])
    assert keep is not None  # the call returned with its child still running
    res = rt.built["app:exec"].executor
    assert res.running() == 1
    rt.close()
    deadline = time.monotonic() + 5
    while res.running() and time.monotonic() < deadline:
        time.sleep(0.01)
    assert res.running() == 0


def test_invalid_entry_fields_name_the_field(rt):
    with pytest.raises(ValidationError, match="command_whitelist"):
        rt.define({"id": "app:bad", "kind": "exec.native", "command_whitelist": "echo"})
    with pytest.raises(ValidationError, match="default_env"):
        rt.define({"id": "app:bad2", "kind": "exec.native", "default_env": ["A=1"]})
