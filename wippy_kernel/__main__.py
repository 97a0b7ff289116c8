"""`python -m wippy_kernel` starts the kernel; `python -m wippy_kernel install` installs it."""

import sys

if len(sys.argv) > 1 and sys.argv[1] == "install":
    from .install import main

    sys.exit(main(sys.argv[2:]))

from ipykernel.kernelapp import IPKernelApp  # noqa: E402

from .kernel import WippyKernel  # noqa: E402

IPKernelApp.launch_instance(kernel_class=WippyKernel)
