"""ANSI colours for tracebacks: Jupyter front ends render them in error outputs (and in both
light and dark themes, as they map the 16 base colours to the theme's palette)."""

from __future__ import annotations

RED = "\x1b[31m"
BOLD = "\x1b[1m"
RESET = "\x1b[0m"


def bold_red(text: str) -> str:
    return f"{BOLD}{RED}{text}{RESET}"
