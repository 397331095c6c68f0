#!/usr/bin/python3
"""Execute the project's notebooks headless with the repository's tslab kernel.

Why not plain `jupyter nbconvert --execute`: it reports a failed tslab cell
only as `<Error>:` because the real message is on the cell's stderr, which
it does not keep. This runner saves every executed notebook (also a failed
one, so the failing cell can be opened) and prints the failing cell's source,
its stderr and its error.

usage: run_notebooks.py [--out DIR] [--timeout S] [notebook ...]

The executed notebooks go to --out, else $NAS_RESULTS_DIR/notebooks, else results/notebooks.
(defaults: every notebooks/NN_*.ipynb in order; profile from NAS_PROFILE)
"""
import argparse
import glob
import os
import sys
import time

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def write_atomic(path, nb):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    tmp = f"{path}.{os.getpid()}.tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        nbformat.write(nb, f)
    os.replace(tmp, path)


def failing_cell_report(nb, index):
    """The failing cell's source, its stderr and its error (tslab puts the real message on stderr)."""
    if index is None:
        return None
    cell = nb.cells[index]
    outputs = cell.get("outputs", [])
    lines = [f"--- failing cell #{index} ---", cell.source, "--- its stderr ---"]
    lines += [o.get("text", "") for o in outputs if o.get("output_type") == "stream" and o.get("name") == "stderr"]
    errors = [o for o in outputs if o.get("output_type") == "error"]
    if errors:
        lines.append("--- its error ---")
        for e in errors:
            lines.append(f"{e.get('ename')}: {e.get('evalue')}")
            lines += e.get("traceback", [])
    return "\n".join(lines)


def machine_description():
    cpu = "unknown CPU"
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next((l.split(":", 1)[1].strip() for l in f if l.startswith("model name")), cpu)
    except OSError:
        pass
    try:
        with open("/proc/meminfo") as f:
            mem_kb = int(next(l.split()[1] for l in f if l.startswith("MemTotal")))
        mem = f", {mem_kb / 2**20:.0f} GiB"
    except (OSError, StopIteration, ValueError):
        mem = ""
    # The cores this process may use (a container's share), not the host's.
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return f"{cores} cores ({cpu}){mem}"


def run(path, out_dir, timeout):
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(
        nb,
        timeout=timeout,
        kernel_name="nas-ts",
        resources={"metadata": {"path": ROOT}},
    )
    failed_cell = []
    client.on_cell_error = lambda cell, cell_index, execute_reply: failed_cell.append(cell_index)
    started = time.time()
    error = None
    try:
        client.execute()
    except (CellExecutionError, CellTimeoutError, DeadKernelError) as exc:
        error = exc
    elapsed = time.time() - started
    # What `npm run report` shows beside the results: when, which profile, where, how long.
    nb.metadata["nas"] = {
        "profile": os.environ.get("NAS_PROFILE", "paper"),
        "executed_at": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(started)),
        "wall_seconds": round(elapsed, 1),
        "machine": machine_description(),
        "ok": error is None,
    }
    out_path = os.path.join(out_dir, os.path.basename(path))
    write_atomic(out_path, nb)
    if error is None:
        print(f"ok     {os.path.relpath(path, ROOT)}  {elapsed:.1f} s  -> {os.path.relpath(out_path, ROOT)}", flush=True)
        return True
    print(f"FAILED {os.path.relpath(path, ROOT)}  after {elapsed:.1f} s  (saved to {os.path.relpath(out_path, ROOT)})", flush=True)
    report = failing_cell_report(nb, failed_cell[0] if failed_cell else None)
    print(report if report else f"{type(error).__name__}: {error}", flush=True)
    print(f"--- ({os.path.basename(path)} failed) ---", flush=True)
    return False


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default=None, help="folder for the executed notebooks (default: $NAS_RESULTS_DIR/notebooks, else results/notebooks)")
    parser.add_argument("--timeout", type=int, default=3600, help="seconds allowed per cell")
    parser.add_argument("notebooks", nargs="*")
    args = parser.parse_args()
    os.environ["JUPYTER_PATH"] = os.path.join(ROOT, "environment", "jupyter") + (
        os.pathsep + os.environ["JUPYTER_PATH"] if os.environ.get("JUPYTER_PATH") else ""
    )
    notebooks = args.notebooks or sorted(glob.glob(os.path.join(ROOT, "notebooks", "[0-9][0-9]_*.ipynb")))
    if not notebooks:
        print("no notebooks found under notebooks/", file=sys.stderr)
        return 2
    missing = [p for p in notebooks if not os.path.isfile(p)]
    if missing:
        known = ", ".join(os.path.relpath(p, ROOT) for p in sorted(glob.glob(os.path.join(ROOT, "notebooks", "*.ipynb"))))
        print(f"no such notebook: {', '.join(missing)} (the notebooks are: {known})", file=sys.stderr)
        return 2
    out_dir = args.out or os.path.join(os.environ.get("NAS_RESULTS_DIR") or os.path.join(ROOT, "results"), "notebooks")
    profile = os.environ.get("NAS_PROFILE", "paper")
    print(f"executing {len(notebooks)} notebook(s) with NAS_PROFILE={profile}", flush=True)
    results = [run(os.path.abspath(p), os.path.abspath(out_dir), args.timeout) for p in notebooks]
    failed = results.count(False)
    print(f"notebooks: {len(results) - failed} passed, {failed} failed", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
