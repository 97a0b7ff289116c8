"""Comm wiring so ipywidgets work in a kernel that is not IPythonKernel (ipykernel's base
Kernel has no comm manager): a CommManager, the shell handlers for comm_*, and
`comm.get_comm_manager` / `comm.create_comm` pointing at this kernel."""

from __future__ import annotations

from typing import Any

import comm as comm_pkg
from ipykernel.comm import Comm, CommManager


def wire_comms(kernel: Any) -> CommManager:
    """Give `kernel` a comm manager and route comm messages and widget comms to it."""
    manager = CommManager(parent=kernel, kernel=kernel)
    kernel.comm_manager = manager
    for msg_type in ("comm_open", "comm_msg", "comm_close"):
        kernel.shell_handlers[msg_type] = getattr(manager, msg_type)

    def create_comm(**kwargs: Any) -> Comm:
        kwargs.setdefault("kernel", kernel)
        kwargs.setdefault("show_warning", False)
        return Comm(**kwargs)

    comm_pkg.get_comm_manager = lambda: manager
    comm_pkg.create_comm = create_comm
    return manager
