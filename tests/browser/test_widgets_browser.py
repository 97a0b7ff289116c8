"""The widgets rendered by a real JupyterLab in a real browser (Debian's chromium, driven by
playwright).

Protocol tests prove what the kernel sends; only a browser proves that the front end's widget
manager accepts it and draws it: the pool rows and their progress bars, the live update of a
row already on screen, the collapsible trace tree with its error in the theme's error colour,
the imports accordion; in JupyterLab Light and in JupyterLab Dark, where the echoed source of a
`%%lua` cell must keep its contrast. It also opens the shipped tour and checks that opening it
does not mark it modified. One server, one browser: about 20 s. Screenshots go to
$WIPPY_SCREENSHOTS (default <tmp>/wippy-widget-screenshots; the README's come from
`WIPPY_SCREENSHOTS=docs/images`).

Never skipped: CI installs chromium (.ci/run); `playwright install` is never used.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from playwright.sync_api import Page, expect, sync_playwright
from wippy_runtime.errors import INVALID

from ..kernel import kernelspec  # noqa: F401  (the `wippy` kernelspec of this checkout)

ROOT = Path(__file__).resolve().parents[2]
TOUR = ROOT / "notebooks" / "01-tour.ipynb"

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
TOKEN = "widget-test-token"
TIMEOUT_MS = int(float(os.environ.get("TIMEOUT_S", "30")) * 1000)
SHOTS = Path(os.environ.get("WIPPY_SCREENSHOTS",
                            Path(tempfile.gettempdir()) / "wippy-widget-screenshots"))

CELLS = [
    '%%wat w:add\n(module\n  (func (export "add") (param i32 i32) (result i32)\n'
    '    local.get 0\n    local.get 1\n    i32.add))',
    '%%lua w:twice\nreturn { twice = function(x)\n  local a = funcs.call("w:add", x, x)\n'
    '  local _, err = funcs.call("w:add", "oops", 1)\n  return a\nend }',
    '%%wat w:p1 --import wasi1 --method f\n(module\n'
    '  (import "wasi_snapshot_preview1" "fd_write" (func (param i32 i32 i32 i32) (result i32)))\n'
    '  (import "env" "log" (func (param i32)))\n  (func (export "f") (result i32) i32.const 7))',
    "%trace on",
    'funcs.call("w:twice", 4)\nfuncs.call("w:add", 1, 2)',
    "%pools",
    "%trace",
    "%imports w:p1",
    # after the pools widget is on screen: only a live widget can show these calls
    'for i = 1, 5 do funcs.call("w:add", i, i) end',
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _write_notebook(root: Path) -> Path:
    """nbformat 4 JSON written directly (importing nbformat costs 3 s of jsonschema)."""
    cells = [{"cell_type": "code", "id": f"c{i}", "metadata": {}, "execution_count": None,
              "outputs": [], "source": src} for i, src in enumerate(CELLS)]
    nb = {"nbformat": 4, "nbformat_minor": 5, "cells": cells,
          "metadata": {"kernelspec": {"name": "wippy", "display_name": "Wippy",
                                      "language": "lua"},
                       "language_info": {"name": "lua"}}}
    path = root / "w.ipynb"
    path.write_text(json.dumps(nb, indent=1))
    return path


def _write_settings(settings: Path) -> None:
    """No news toast over the screenshots; every cell in the DOM (no notebook windowing)."""
    for name, value in {
        "@jupyterlab/apputils-extension/notification.jupyterlab-settings":
            {"fetchNews": "false", "checkForUpdates": False, "doNotDisturbMode": True},
        "@jupyterlab/notebook-extension/tracker.jupyterlab-settings":
            {"windowingMode": "none"},
    }.items():
        path = settings / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(value))


@contextmanager
def jupyter_lab(tmp: Path) -> Iterator[str]:
    """A JupyterLab server on 127.0.0.1 with isolated config; yields its base URL."""
    root = tmp / "root"
    root.mkdir()
    _write_notebook(root)
    shutil.copy(TOUR, root / TOUR.name)
    _write_settings(tmp / "settings")
    env = dict(os.environ, JUPYTER_CONFIG_DIR=str(tmp / "config"),
               JUPYTER_RUNTIME_DIR=str(tmp / "runtime"),
               JUPYTERLAB_SETTINGS_DIR=str(tmp / "settings"),
               JUPYTERLAB_WORKSPACES_DIR=str(tmp / "workspaces"))
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    port = _free_port()
    cmd = [sys.executable, "-m", "jupyterlab", "--no-browser", f"--ServerApp.token={TOKEN}",
           "--ServerApp.ip=127.0.0.1", f"--port={port}", "--ServerApp.port_retries=0",
           f"--ServerApp.root_dir={root}", "--LabApp.expose_app_in_browser=True",
           "--LabApp.news_url=None",
           "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"]
    if os.geteuid() == 0:
        cmd.append("--allow-root")
    log = (tmp / "server.log").open("wb")
    proc = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert proc.poll() is None, f"jupyter lab exited: {_tail(tmp)}"
            try:
                with urllib.request.urlopen(f"{base}/api/status?token={TOKEN}", timeout=2):
                    break
            except OSError:
                assert time.monotonic() < deadline, f"server not up in 60 s: {_tail(tmp)}"
                time.sleep(0.25)
        yield base
    except BaseException:
        sys.stderr.write(_tail(tmp))
        raise
    finally:
        _shutdown(base, proc)
        log.close()


def _tail(tmp: Path) -> str:
    path = tmp / "server.log"
    return path.read_bytes()[-3000:].decode("utf-8", "replace") if path.exists() else ""


def _shutdown(base: str, proc: subprocess.Popen) -> None:
    """POST /api/shutdown (which also stops the kernel); killpg only as the last resort."""
    req = urllib.request.Request(f"{base}/api/shutdown", method="POST",
                                 headers={"Authorization": f"token {TOKEN}"})
    with suppress(OSError):
        urllib.request.urlopen(req, timeout=5).close()
    try:
        proc.wait(15)
    except subprocess.TimeoutExpired:
        for sig in (signal.SIGTERM, signal.SIGKILL):
            os.killpg(proc.pid, sig)
            try:
                proc.wait(5)
                break
            except subprocess.TimeoutExpired:
                continue


WAIT_KERNEL = """() => {
  if (document.querySelector('.jp-Dialog')) return 'dialog';
  const w = window.jupyterapp && window.jupyterapp.shell.currentWidget;
  const k = w && w.sessionContext && w.sessionContext.session && w.sessionContext.session.kernel;
  return k && k.status === 'idle' && k.connectionStatus === 'connected' ? 'idle:' + k.name : null;
}"""


def _open_notebook(page: Page, base: str, name: str = "w.ipynb") -> None:
    page.goto(f"{base}/lab/tree/{name}?reset&token={TOKEN}")
    page.wait_for_function("() => window.jupyterapp !== undefined")
    page.locator(".jp-NotebookPanel .jp-Cell").first.wait_for()
    # never accept a kernel dialog: it would pick python3 and hide a missing kernelspec
    state = page.wait_for_function(WAIT_KERNEL, polling=200).json_value()
    assert state == "idle:wippy", f"kernel not ready: {state}"


def _output(page: Page, css: str):
    return page.locator(".jp-OutputArea-output", has=page.locator(css))


def test_widgets_render_and_update_in_jupyterlab():
    assert Path(CHROMIUM).exists(), f"{CHROMIUM} missing: apt-get install -y chromium"
    SHOTS.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix="wippy-lab-"))
    t0 = time.monotonic()
    phases: dict[str, float] = {}

    def mark(name: str) -> None:
        phases[name] = round(time.monotonic() - t0, 2)

    try:
        with jupyter_lab(tmp) as base, sync_playwright() as p:
            mark("server up")
            browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=[
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--no-first-run",
                "--disable-dev-shm-usage"])
            page = browser.new_page(viewport={"width": 1280, "height": 1000})
            page.set_default_timeout(TIMEOUT_MS)
            try:
                _open_notebook(page, base, TOUR.name)
                _check_not_modified(page)
                mark("tour opened, not modified")
                _open_notebook(page, base)
                mark("kernel idle")
                page.evaluate("window.jupyterapp.commands.execute('notebook:run-all-cells')")
                _check_pools(page)
                mark("pools checked (live update seen)")
                _check_trace(page)
                _check_imports(page)
                _check_source_contrast(page, "light")
                page.screenshot(path=str(SHOTS / "page.png"))
                _switch_theme(page, "JupyterLab Dark")
                _check_pools(page, "_dark")
                _check_trace(page, "_dark")
                _check_imports(page, "_dark")
                _check_source_contrast(page, "dark")
                page.screenshot(path=str(SHOTS / "page_dark.png"))
                mark("all checked (light and dark)")
            except BaseException:
                page.screenshot(path=str(SHOTS / "failure.png"), full_page=True)
                raise
            finally:
                browser.close()
    finally:
        mark("shut down")
        (SHOTS / "timings.json").write_text(json.dumps(phases, indent=1))
        print("phases (s):", phases, "screenshots:", SHOTS)
        shutil.rmtree(tmp, ignore_errors=True)


def _check_not_modified(page: Page) -> None:
    """Opening a shipped notebook (kernel started, metadata compared) leaves it unmodified."""
    page.wait_for_timeout(1000)  # give the front end time to write metadata, if it would
    dirty = page.evaluate("() => window.jupyterapp.shell.currentWidget.context.model.dirty")
    assert dirty is False, "opening 01-tour.ipynb marked it modified"


def _switch_theme(page: Page, theme: str) -> None:
    page.evaluate(f"window.jupyterapp.commands.execute('apputils:change-theme', "
                  f"{{theme: '{theme}'}})")
    page.wait_for_function("() => document.body.dataset.jpThemeLight === 'false'")
    page.wait_for_timeout(500)  # the theme's CSS variables apply


CONTRAST = """el => {
  const rgb = s => { const m = s.match(/[\\d.]+/g).map(Number); return m; };
  const lum = ([r, g, b]) => { const f = c => { c /= 255;
      return c <= 0.03928 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4); };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b); };
  let bg = null;
  for (let n = el; n && !bg; n = n.parentElement) {
    const c = rgb(getComputedStyle(n).backgroundColor);
    if (c.length < 4 || c[3] > 0) bg = c;
  }
  bg = bg || [255, 255, 255];
  const fg = rgb(getComputedStyle(el).color);
  const [a, b] = [lum(fg), lum(bg)].sort((x, y) => y - x);
  return (a + 0.05) / (b + 0.05);
}"""


def _check_source_contrast(page: Page, theme: str) -> None:
    """The echoed `%%lua` source: plain text and keywords readable on the theme's background
    (WCAG's 4.5 for text, 3 for the coloured tokens)."""
    src = page.locator(".jp-OutputArea-output .wippy-src pre").first
    expect(src).to_be_visible()
    assert src.evaluate(CONTRAST) >= 4.5, f"{theme}: echoed source text too faint"
    keyword = page.locator(".jp-OutputArea-output .wippy-src .wippy-tok-kr").first
    ratio = keyword.evaluate(CONTRAST)
    assert ratio >= 3, f"{theme}: keyword contrast {ratio:.2f}"
    _output(page, ".wippy-src").first.screenshot(path=str(SHOTS / f"source_{theme}.png"))


def _check_pools(page: Page, suffix: str = "") -> None:
    pools = page.locator(".wippy-pools")
    expect(pools.locator(".wippy-pool-row")).to_have_count(3)
    row = pools.locator(".wippy-pool-row", has=page.locator(
        ".wippy-pool-entry", has_text=re.compile(r"^w:add$")))
    # 3 calls when the widget was shown, 5 more from the last cell: the row updated itself
    expect(row.locator(".wippy-pool-calls")).to_have_text("8")
    expect(row.locator(".widget-hprogress")).to_be_visible()
    # busy out of the instances that exist (idle now), not out of the pool's maximum
    expect(row.locator(".wippy-pool-instances")).to_have_text(re.compile(r"^0/[1-9]$"))
    expect(row.locator(".wippy-pool-mean")).to_have_text(re.compile(r"^[\d.]+ (µs|ms)$"))
    expect(row.locator(".wippy-pool-p95")).to_have_text(re.compile(r"^[\d.]+ (µs|ms)$"))
    expect(row.locator(".wippy-pool-rate")).to_contain_text("/s")
    twice = pools.locator(".wippy-pool-row", has=page.locator(
        ".wippy-pool-entry", has_text=re.compile(r"^w:twice$")))
    expect(twice.locator(".wippy-pool-calls")).to_have_text("1")
    expect(pools.locator(".wippy-pools-title")).to_contain_text("3 pool(s)")
    expect(pools.locator(".wippy-pools-title")).to_contain_text("live")
    _output(page, ".wippy-pools").screenshot(path=str(SHOTS / f"pools_widget{suffix}.png"))


def _check_trace(page: Page, suffix: str = "") -> None:
    tree = page.locator(".wippy-traces .wippy-trace-tree")
    roots = tree.locator(".wippy-trace-scroll > details.wippy-span")
    # 2 trees when the widget was shown; tracing is on, so the 5 calls of the last cell
    # arrived live, newest first
    expect(roots).to_have_count(7)
    expect(roots.nth(0).locator("> summary")).to_contain_text("w:add(5, 5) -> 10")
    expect(roots.nth(5).locator("> summary")).to_contain_text("w:add(1, 2) -> 3")
    root = roots.nth(6)
    expect(root.locator("> summary")).to_contain_text("w:twice(4) -> 8")
    children = root.locator("> details.wippy-span > summary")
    expect(children).to_have_count(2)
    expect(children.nth(0)).to_contain_text("w:add(4, 4) -> 8")
    failed = tree.locator("details.wippy-span-error > summary")
    expect(failed).to_have_count(1)
    expect(failed).to_contain_text(f"w:add('oops', 1) !! {INVALID}")
    error_color = page.evaluate("""() => { const d = document.createElement('div');
      d.style.color = 'var(--jp-error-color1)'; document.body.appendChild(d);
      const c = getComputedStyle(d).color; d.remove(); return c; }""")
    expect(failed).to_have_css("color", error_color)
    expect(root.locator(".wippy-track > span").first).to_be_visible()  # the duration bar
    expect(page.locator(".wippy-traces")).to_contain_text("7 tree(s), 9 call(s)")
    # collapsible: closing the root hides its children
    root.locator("> summary").click()
    expect(children.nth(0)).to_be_hidden()
    root.locator("> summary").click()
    expect(children.nth(0)).to_be_visible()
    # the filter keeps the trees that call an entry
    box = page.locator(".wippy-trace-filter input")
    box.fill("twice")
    expect(roots).to_have_count(1)
    box.fill("")
    expect(roots).to_have_count(7)
    _output(page, ".wippy-traces").screenshot(path=str(SHOTS / f"trace_widget{suffix}.png"))


def _check_imports(page: Page, suffix: str = "") -> None:
    imports = page.locator(".wippy-imports")
    expect(imports).to_contain_text("w:p1: 1 linked, 1 stubbed")
    expect(imports.locator("tr.wippy-import-linked")).to_contain_text(
        "wasi_snapshot_preview1#fd_write")
    stubbed = imports.locator("tr.wippy-import-stubbed")
    expect(stubbed).to_contain_text("env#log")
    expect(stubbed).to_contain_text("no host provides it")
    _output(page, ".wippy-imports").screenshot(path=str(SHOTS / f"imports_widget{suffix}.png"))
