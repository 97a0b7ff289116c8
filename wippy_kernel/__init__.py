"""wippy_kernel: the Jupyter kernel over wippy_runtime (a thin protocol layer)."""

__version__ = "0.1.0"
