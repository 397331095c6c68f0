"""The repository's tslab kernel for the kernel-driving tests (kernel_*.py):
started at the repository root with its kernelspec, ready, and always shut
down; `report` prints the JSON summary and gives the exit status."""
import contextlib
import json
import os

from jupyter_client.manager import KernelManager

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@contextlib.contextmanager
def repo_kernel(ready_timeout=120):
    """(KernelManager, client) of a fresh nas-ts kernel, stopped on exit."""
    os.environ["JUPYTER_PATH"] = os.path.join(ROOT, "environment", "jupyter")
    km = KernelManager(kernel_name="nas-ts")
    km.start_kernel(cwd=ROOT, env=dict(os.environ))
    kc = km.client()
    kc.start_channels()
    try:
        kc.wait_for_ready(timeout=ready_timeout)
        yield km, kc
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)


def report(summary, ok):
    summary["ok"] = bool(ok)
    print(json.dumps(summary, indent=1))
    return 0 if ok else 1
