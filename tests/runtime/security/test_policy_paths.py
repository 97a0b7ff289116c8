"""Policy on every path, written as attacks: a denied actor cannot get around a policy by
spawning a process, by sending to a guessed PID, or by flooding a process host."""

import pytest
from sec_helpers import lua, policy
from wippy_runtime.errors import PERMISSION_DENIED, UNAVAILABLE

SECRET = "return { main = function() return 'secret' end }"
#: a process that calls the secret entry and reports what it got to its spawner
PROC = """local function main(parent)
  local v, err = funcs.call("app:secret")
  process.send(parent, "result", { value = v, kind = err and err:kind() })
  return 0
end
return { main = main }"""
SPAWNER = """local function main()
  local pid, err = process.spawn("app:proc", "app:host", process.pid())
  if not pid then return { spawn = err:kind(), message = tostring(err) } end
  local msg = process.listen("result"):receive()
  return msg
end
return { main = main }"""


@pytest.fixture
def app(rt):
    rt.define({"id": "app:host", "kind": "process.host", "max_processes": 3,
               "max_processes_per_caller": 2})
    lua(rt, "app:secret", SECRET)
    rt.define({"id": "app:proc", "kind": "process.lua", "source": PROC, "method": "main",
               "modules": ["funcs"]})
    lua(rt, "app:spawner", SPAWNER)
    return rt


def test_a_process_runs_with_its_spawners_actor_and_scope(app):
    may_spawn = policy(app, "may_spawn", actions=["funcs.call", "process.spawn",
                                                   "process.host", "process.send"],
                       resources=["app:spawner", "app:proc", "*"])
    no_secret = policy(app, "no_secret", effect="deny", actions="funcs.call",
                       resources="app:secret")
    out = app.call("app:spawner", actor="mallory", scope=[may_spawn, no_secret])
    assert out == {"kind": PERMISSION_DENIED}      # the process was denied, as its spawner
    # healthy: an actor the policy allows gets the secret through the same process
    assert app.call("app:spawner", actor="alice", scope=[may_spawn])["value"] == "secret"


def test_process_spawn_itself_is_checked(app):
    only_call = policy(app, "only_call", actions="funcs.call", resources="*")
    out = app.call("app:spawner", actor="mallory", scope=[only_call])
    assert out["spawn"] == PERMISSION_DENIED
    assert out["message"] == "not allowed to spawn process: app:proc"
    assert app.call("app:secret", actor="mallory", scope=[only_call]) == "secret"


def test_process_send_to_a_guessed_pid_is_checked(app):
    lua(app, "app:sender", """local function main(pid)
      local ok, err = process.send(pid or process.pid(), "topic", "hi")
      return err and err:kind() or ok end return { main = main }""")
    only_call = policy(app, "only_call", actions="funcs.call", resources="*")
    # a live PID (its own): the send is judged by policy, not by knowing the PID
    assert app.call("app:sender", None, actor="mallory", scope=[only_call]) == PERMISSION_DENIED
    may_send = policy(app, "may_send", actions=["funcs.call", "process.send"], resources="*")
    assert app.call("app:sender", None, actor="alice", scope=[may_send]) is True


def test_process_count_is_bounded_per_caller_and_per_host(app):
    app.define({"id": "app:sleeper", "kind": "process.lua", "method": "main",
                "modules": ["time"],
                "source": "return { main = function() time.sleep('400ms') return 0 end }"})
    lua(app, "app:flood", """local function main()
      local kinds = {}
      for i = 1, 4 do
        local pid, err = process.spawn("app:sleeper", "app:host")
        kinds[i] = pid and "ok" or (err:kind() .. ": " .. tostring(err))
      end
      return kinds end return { main = main }""")
    out = app.call("app:flood")
    assert out[:2] == ["ok", "ok"]
    assert out[2].startswith(UNAVAILABLE) and "max_processes_per_caller" in out[2]
    lua(app, "app:flood2", "local function main() local pid, err = "
        "process.spawn('app:sleeper', 'app:host') return pid and 'ok' or tostring(err) end "
        "return { main = main }")
    assert app.call("app:flood2") == "ok"          # a third process on the host
    assert "max_processes" in app.call("app:flood2")  # the fourth: the host is full
    import time
    time.sleep(0.8)                                 # they end; the host has room again
    assert app.call("app:flood2") == "ok"
