#!/usr/bin/python3
"""Config and missing-result errors in the real tslab kernel, cell by cell.

Drives the repository's kernel through jupyter_client as a user would:
  - a config with a misspelt dataset name, and one with a misspelt field,
    fail to compile in their own cell (tslab type-checks it), naming it;
  - an out-of-range value fails in its own cell with the field and range;
  - after a cell that fails computing `result`, the next cell's error says
    which cell to rerun (need()) or that `result` does not exist, never
    "Cannot read properties of undefined".
Prints a JSON summary; exit status 0 when every check holds.
usage: kernel_cells.py
"""
import sys
import time

from repo_kernel import repo_kernel, report


def run_cell(kc, code, timeout=120):
    """(status, text of streams and errors) of one cell."""
    msg_id = kc.execute(code)
    deadline = time.time() + timeout
    texts, status, idle = [], None, False
    while time.time() < deadline and not (idle and status is not None):
        try:
            msg = kc.get_iopub_msg(timeout=0.5)
        except Exception:
            msg = None
        if msg and msg["parent_header"].get("msg_id") == msg_id:
            t = msg["msg_type"]
            if t == "status" and msg["content"]["execution_state"] == "idle":
                idle = True
            elif t == "stream":
                texts.append(msg["content"]["text"])
            elif t == "error":
                texts.append(msg["content"]["ename"] + ": " + msg["content"]["evalue"])
        if status is None:
            try:
                r = kc.get_shell_msg(timeout=0.05)
                if r["parent_header"].get("msg_id") == msg_id:
                    status = r["content"]["status"]
            except Exception:
                pass
    time.sleep(0.5)  # tslab drops requests queued within 200 ms of a failed cell
    return status, "".join(texts)


IMPORT = 'import { checkQuickstartConfig, type QuickstartConfig } from "./src/experiments/quickstart.js";\n'


def main():
    summary, ok = {}, True
    with repo_kernel() as (_km, kc):
        checks = {
            "misspelt_dataset": (IMPORT + 'const c1: QuickstartConfig = checkQuickstartConfig({ dataset: "cifar-100", bins: 60, topN: 5 });', ['"cifar-100"', "not assignable"]),
            "misspelt_field": (IMPORT + 'const c2: QuickstartConfig = checkQuickstartConfig({ dataset: "cifar10", binz: 60, topN: 5 });', ["binz"]),
            "out_of_range": (IMPORT + 'const c3: QuickstartConfig = checkQuickstartConfig({ dataset: "cifar10", bins: 60, topN: -2 });', ["quickstart config: topN is -2, expected an integer in [1, 1000]"]),
        }
        for name, (code, expected) in checks.items():
            status, text = run_cell(kc, code)
            summary[name] = {"status": status, "text": text[-400:]}
            ok &= status == "error" and all(e in text for e in expected)
        status, text = run_cell(kc, 'const result = await (async (): Promise<{ rows: number[] }> => { throw new Error("the study failed"); })();')
        summary["failing_cell"] = {"status": status, "text": text[-300:]}
        status, text = run_cell(kc, 'import { need } from "./src/experiments/notebook.js";\nneed(result, "result", "Run the study");\nconsole.log(result.rows.length);')
        summary["dependent_cell"] = {"status": status, "text": text[-400:]}
        ok &= status == "error" and "Cannot read properties of undefined" not in text
        ok &= ('the cell under "Run the study"' in text) or ("Cannot find name 'result'" in text)
    return report(summary, ok)

if __name__ == "__main__":
    sys.exit(main())
