"""Colours and the display bundle shared by the inspectors.

Every colour is a JupyterLab CSS variable with a light-theme fallback, so the widgets follow
the user's theme (JupyterLab Light and Dark) and still read in viewers without those variables
(nbconvert's HTML, GitHub). The bundle puts the widget view and an HTML rendering in one
output: a front end with a widget manager shows the live widget, every other viewer the table.
"""

from __future__ import annotations

from typing import Any

VIEW_MIME = "application/vnd.jupyter.widget-view+json"

TEXT = "var(--jp-ui-font-color1, #212121)"
MUTED = "var(--jp-ui-font-color2, #616161)"
BORDER = "var(--jp-border-color2, #e0e0e0)"
SURFACE = "var(--jp-layout-color2, #eeeeee)"
ERROR = "var(--jp-error-color1, #d32f2f)"
OK = "var(--jp-success-color1, #388e3c)"
WARN = "var(--jp-warn-color1, #f57c00)"
ACCENT = "var(--jp-brand-color1, #1976d2)"

#: one style block for every inspector (a <style> in an output applies to the page)
STYLE = f"""<style>
.wippy-ins {{color:{TEXT};font-size:var(--jp-ui-font-size1, 13px)}}
.wippy-ins table {{border-collapse:collapse}}
.wippy-ins th, .wippy-ins td {{text-align:left;padding:2px 8px;border-bottom:1px solid {BORDER}}}
.wippy-ins th {{color:{MUTED};font-weight:600}}
.wippy-ins .wippy-err, .wippy-pool-errors.wippy-has-errors {{color:{ERROR};font-weight:bold}}
.wippy-ins .wippy-ok {{color:{OK}}}
.wippy-ins .wippy-muted {{color:{MUTED}}}
.wippy-pool-errors.wippy-has-errors .widget-label {{color:{ERROR};font-weight:bold}}
.wippy-spark {{font-family:var(--jp-code-font-family, monospace);color:{ACCENT}}}
.wippy-meter {{display:inline-block;width:90px;height:9px;background:{SURFACE};
  border:1px solid {BORDER};vertical-align:middle;margin-right:6px}}
.wippy-meter > span {{display:block;height:100%;background:{ACCENT}}}
</style>"""


def bundle(widget: Any, html: str, text: str) -> dict[str, Any]:
    """The widget's view with `html` as the fallback and `text` as the plain form."""
    data = dict(widget._repr_mimebundle_())
    data["text/html"] = STYLE + html
    data["text/plain"] = text
    return data


def html_only(html: str, text: str) -> dict[str, str]:
    return {"text/html": STYLE + html, "text/plain": text}
