#!/usr/bin/python3
"""Interrupt a running study cell in the real tslab kernel, as a user would.

Drives the repository's kernel through jupyter_client: a cell runs a study
on the run engine's pool (2 worker threads; 2 short runs then 4 long ones),
the kernel is interrupted while two long runs compute, and then:
  - the kernel process is idle within 5 s (CPU from /proc, all its threads);
  - the next cell shows only its own output (no progress or tables of the
    interrupted study land in it);
  - the interrupted cell's result was not assigned;
  - rerunning the cell computes each missing run exactly once (the 2 short
    runs come from the cache).
Prints a JSON summary; exit status 0 when every check holds.
usage: kernel_interrupt.py WORKDIR
"""
import json
import os
import sys
import time

from repo_kernel import ROOT, repo_kernel, report as finish
WORK = sys.argv[1]
LOG = os.path.join(WORK, "runs.log")
CACHE = os.path.join(WORK, "cache")
TICK = os.sysconf("SC_CLK_TCK")


def study_cell(long_ms):
    tasks = [{"x": 1, "spinMs": 300}, {"x": 2, "spinMs": 300}] + [{"x": x, "spinMs": long_ms} for x in range(3, 7)]
    for t in tasks:
        t["log"] = LOG
    return f"""
import {{ runKey, runStudy }} from "./src/engine/index.js";
import {{ toyTask }} from "./test/fixtures/engineTasks.js";
const tasks = {json.dumps(tasks)};
const out = await runStudy({{
  study: "toy",
  taskRef: {{ module: "test/fixtures/engineTasks.ts", export: "toyTask" }},
  runs: tasks.map((task) => ({{ key: runKey({{ toy: task.x }}), config: {{ toy: task.x }}, task, label: `x=${{task.x}}` }})),
  local: toyTask,
}}, {{ executor: {{ kind: "pool", threads: 2 }}, cacheDir: {json.dumps(CACHE)} }});
console.log(`computed ${{out.stats.computed}}, cached ${{out.stats.cached}}`);
"""


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def log_lines():
    try:
        with open(LOG) as f:
            return [l.split() for l in f.read().splitlines() if l]
    except FileNotFoundError:
        return []


def reply_to(kc, msg_id, timeout):
    """The shell reply to `msg_id` if one is waiting (other replies are dropped), else None."""
    try:
        r = kc.get_shell_msg(timeout=timeout)
    except Exception:
        return None
    return r if r["parent_header"].get("msg_id") == msg_id else None


def collect(kc, msg_id, timeout):
    """Outputs of one execute request until its reply and idle status (bounded)."""
    outputs, reply = [], None
    deadline = time.time() + timeout
    idle = False
    while time.time() < deadline and not (idle and reply is not None):
        try:
            msg = kc.get_iopub_msg(timeout=0.5)
        except Exception:
            reply = reply or reply_to(kc, msg_id, 0.1)
            continue
        if msg["parent_header"].get("msg_id") != msg_id:
            continue
        t = msg["msg_type"]
        if t == "status" and msg["content"]["execution_state"] == "idle":
            idle = True
        elif t in ("stream", "display_data", "execute_result", "error", "update_display_data"):
            outputs.append(msg)
        reply = reply or reply_to(kc, msg_id, 0.05)
    return outputs, reply


def main():
    os.makedirs(WORK, exist_ok=True)
    report = {}
    ok = True
    with repo_kernel() as (km, kc):
        pid = km.provisioner.process.pid
        first = kc.execute(study_cell(60_000))
        deadline = time.time() + 120
        while time.time() < deadline:
            starts = [l for l in log_lines() if l[0] == "start" and int(l[1]) >= 3]
            if len(starts) >= 2:
                break
            time.sleep(0.1)
        report["long_runs_started"] = len(starts)
        time.sleep(0.5)
        km.interrupt_kernel()
        interrupted_at = time.time()
        outputs1, reply1 = collect(kc, first, 60)
        report["first_cell_status"] = reply1["content"]["status"] if reply1 else None
        # CPU idle: under 0.1 s of CPU in a 1 s window, within 5 s of the interrupt.
        idle_after = None
        while time.time() - interrupted_at < 8:
            c0 = cpu_seconds(pid)
            time.sleep(1.0)
            used = cpu_seconds(pid) - c0
            if used < 0.1:
                idle_after = time.time() - interrupted_at
                break
        report["idle_after_s"] = idle_after
        ok &= idle_after is not None and idle_after <= 5.0
        report["done_before_rerun"] = sorted(int(l[1]) for l in log_lines() if l[0] == "done")

        second = kc.execute('await new Promise((r) => setTimeout(r, 3000));\nconsole.log("next cell");')
        outputs2, _ = collect(kc, second, 60)
        report["next_cell_outputs"] = [m["msg_type"] for m in outputs2]
        report["next_cell_text"] = "".join(m["content"].get("text", "") for m in outputs2 if m["msg_type"] == "stream")
        ok &= report["next_cell_text"] == "next cell\n" and len(outputs2) == 1

        # The interrupted cell declared nothing: referring to its result does not compile.
        third = kc.execute("console.log(out.stats.computed);")
        outputs3, _ = collect(kc, third, 60)
        report["result_check"] = "".join(m["content"].get("text", "") for m in outputs3 if m["msg_type"] == "stream")
        ok &= "Cannot find name 'out'" in report["result_check"]
        time.sleep(1)  # tslab drops requests queued within 200 ms of a failed cell

        before = len([l for l in log_lines() if l[0] == "done"])
        rerun = kc.execute(study_cell(300))
        outputs4, reply4 = collect(kc, rerun, 180)
        done = [int(l[1]) for l in log_lines() if l[0] == "done"]
        report["rerun_status"] = reply4["content"]["status"] if reply4 else None
        report["rerun_text"] = "".join(m["content"].get("text", "") for m in outputs4 if m["msg_type"] == "stream")
        report["done_counts"] = {x: done.count(x) for x in range(1, 7)}
        ok &= report["rerun_status"] == "ok"
        ok &= all(done.count(x) == 1 for x in range(1, 7))
        ok &= before == 2 and "computed 4, cached 2" in report["rerun_text"]
    return finish(report, ok)

if __name__ == "__main__":
    sys.exit(main())
