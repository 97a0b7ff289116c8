"""The WASI-imports widget: per WASM entry, the declared host profiles against the module's
actual imports, each import linked to a real host or stubbed (with the profile to add).

The data comes from `describe()` (`EntryInfo.detail["imports"]`: declared / used / linked /
stubbed). The target's link plan, when the entry has one, adds why an import is stubbed and
which profiles would link it (a resource-sharing unit can need more than the import's own
profile); without it the import's own profile is named.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from typing import Any

import ipywidgets as W
from wippy_runtime.wasm.host_profiles import profile_for_interface

from .theme import ERROR, OK, STYLE, bundle

LINKED_COLOR = OK
STUBBED_COLOR = ERROR


@dataclass
class ImportRow:
    """One import of the module and how this entry links it."""

    name: str
    profile: str | None
    linked: bool
    add: list[str] = field(default_factory=list)
    reason: str = ""


@dataclass
class ImportsReport:
    """An entry's declared profiles and its module's imports."""

    entry: str
    kind: str
    declared: list[str]
    rows: list[ImportRow]
    error: str | None = None

    @property
    def unused(self) -> list[str]:
        """Declared profiles that no import of the module needs."""
        used = {r.profile for r in self.rows if r.profile}
        return [p for p in self.declared if p not in used]

    @property
    def stubbed(self) -> list[ImportRow]:
        return [r for r in self.rows if not r.linked]

    def summary(self) -> str:
        n_linked = len(self.rows) - len(self.stubbed)
        if self.error:
            return f"{self.entry}: failed to load"
        return f"{self.entry}: {n_linked} linked, {len(self.stubbed)} stubbed"


def _profile_of(name: str) -> str | None:
    if name.startswith("wasi_snapshot_preview1"):
        return "wasi1"
    profile = profile_for_interface(name.split("#", 1)[0])
    return profile.id if profile else None


def imports_reports(runtime: Any, entry_id: str | None = None) -> list[ImportsReport]:
    """One report per WASM entry (or just `entry_id`), sorted by id.

    Raises KeyError for an unknown `entry_id`; a non-WASM entry gives a report with no rows
    and its `info.imports` as declared."""
    infos = runtime.describe()
    if entry_id is not None:
        infos = [i for i in infos if i.id == entry_id]
        if not infos:
            raise KeyError(entry_id)
    reports = []
    for info in infos:
        host = info.detail.get("imports")
        wasm = "module" in info.detail and isinstance(host, dict)
        if "error" in info.detail and (entry_id or info.kind.startswith("function.wa")):
            reports.append(ImportsReport(info.id, info.kind, list(info.imports), [],
                                         error=str(info.detail["error"])))
            continue
        if not wasm:
            if entry_id is not None:
                reports.append(ImportsReport(info.id, info.kind, list(info.imports), []))
            continue
        links = {}
        target = runtime.targets.get(info.id)
        plan = getattr(target, "link_plan", None)
        for link in getattr(plan, "links", []) or []:
            links[link.name] = link
        linked = set(host.get("linked", []))
        rows = []
        for name in host.get("used", []):
            link = links.get(name)
            profile = link.profile if link is not None else _profile_of(name)
            add = list(link.add) if link is not None else ([profile] if profile else [])
            rows.append(ImportRow(name, profile, name in linked,
                                  add=[] if name in linked else add,
                                  reason=link.reason if link is not None else ""))
        reports.append(ImportsReport(info.id, info.kind, list(host.get("declared", [])), rows))
    return reports


def report_html(report: ImportsReport) -> str:
    """One entry's imports as an HTML block (declared profiles, then a table of imports)."""
    e = html.escape
    if report.error:
        return (f"<div class='wippy-imports-entry'><b>{e(report.entry)}</b> "
                f"<span style='color:{STUBBED_COLOR}'>failed to load: {e(report.error)}</span>"
                "</div>")
    declared = ", ".join(f"<code>{e(p)}</code>" for p in report.declared) or "<i>none</i>"
    parts = [f"<div class='wippy-imports-entry'><div>declared profiles: {declared}</div>"]
    if report.unused:
        parts.append("<div>declared but not imported by the module: "
                     + ", ".join(f"<code>{e(p)}</code>" for p in report.unused) + "</div>")
    if not report.rows:
        parts.append(f"<div><i>the module imports nothing ({e(report.kind)})</i></div></div>")
        return "".join(parts)
    parts.append("<table class='wippy-imports-table'><thead><tr><th>import</th><th>profile</th>"
                 "<th>status</th><th>to link it</th></tr></thead><tbody>")
    for r in report.rows:
        if r.linked:
            status = f"<span style='color:{LINKED_COLOR}'>&#10003; linked</span>"
            fix = ""
        else:
            status = f"<span style='color:{STUBBED_COLOR}'><b>&#10007; stubbed</b></span>"
            fix = ("add " + ", ".join(f"<code>{e(p)}</code>" for p in r.add) + " to imports"
                   if r.add else "no host provides it")
        title = f" title='{e(r.reason, quote=True)}'" if r.reason else ""
        parts.append(f"<tr class='wippy-import-{'linked' if r.linked else 'stubbed'}'{title}>"
                     f"<td><code>{e(r.name)}</code></td><td>{e(r.profile or '-')}</td>"
                     f"<td>{status}</td><td>{fix}</td></tr>")
    parts.append("</tbody></table></div>")
    return "".join(parts)


def fix_text(row: ImportRow) -> str:
    if row.linked:
        return ""
    return (f"add {', '.join(row.add)} to imports" if row.add else "no host provides it")


def reports_text(reports: list[ImportsReport]) -> str:
    """Plain text: per entry, its declared profiles and each import with what links it."""
    if not reports:
        return "no WASM entries"
    out: list[str] = []
    for r in reports:
        out.append(f"{r.summary()}  (declared: {', '.join(r.declared) or 'none'})")
        if r.error:
            out.append(f"  failed to load: {r.error}")
        for row in r.rows:
            status = "linked" if row.linked else "stubbed"
            fix = fix_text(row)
            out.append(f"  {status:8} {row.name}" + (f"  -> {fix}" if fix else ""))
    return "\n".join(out)


def reports_html(reports: list[ImportsReport]) -> str:
    if not reports:
        return "<div class='wippy-ins'><i>no WASM entries</i></div>"
    return "<div class='wippy-ins wippy-imports-html'>" + "".join(
        f"<h4>{html.escape(r.summary())}</h4>{report_html(r)}" for r in reports) + "</div>"


class ImportsWidget(W.VBox):
    """`%imports [ns:name]`: an Accordion with one panel per entry (the first open)."""

    def __init__(self, reports: list[ImportsReport], **kwargs: Any) -> None:
        self.reports = reports
        n_stubbed = sum(len(r.stubbed) for r in reports)
        heading = W.HTML(f"{STYLE}<b>WASI imports</b>: {len(reports)} entr"
                         f"{'y' if len(reports) == 1 else 'ies'}, {n_stubbed} stubbed import(s)")
        if not reports:
            body: W.Widget = W.HTML("<i>no WASM entries</i>")
        else:
            panels = [W.HTML(report_html(r)) for r in reports]
            body = W.Accordion(children=panels, titles=tuple(r.summary() for r in reports),
                               selected_index=0)
        super().__init__([heading, body], _dom_classes=("wippy-imports", "wippy-ins"), **kwargs)

    def display_bundle(self) -> dict[str, Any]:
        return bundle(self, reports_html(self.reports), reports_text(self.reports))
