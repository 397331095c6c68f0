/**
 * Progress of a study in one format everywhere: done / total, from cache,
 * running, failed, throughput and ETA. In a notebook one output that updates
 * in place; in a terminal a cli-progress bar on stderr; otherwise (logs, CI)
 * a line at most every 10 s and at the end.
 */
import { SingleBar } from 'cli-progress';
import { updatableOutput } from '../viz/jupyter.js';
import type { ProgressSink, ProgressState } from './types.js';

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  if (seconds < 90) return `${seconds.toFixed(0)} s`;
  if (seconds < 5400) return `${(seconds / 60).toFixed(1)} min`;
  return `${(seconds / 3600).toFixed(1)} h`;
}

/** The one-line form, e.g. "siamese sweep: 12/40 runs (8 cached, 2 running) · 3.1 runs/min · ETA 9.0 min · last: …". */
export function formatProgress(s: ProgressState): string {
  const parts = [`${s.cached} cached`];
  if (s.running.length) parts.push(`${s.running.length} running`);
  if (s.claimedElsewhere) parts.push(`${s.claimedElsewhere} by another process`);
  if (s.failed) parts.push(`${s.failed} failed`);
  const rate = Number.isFinite(s.runsPerMinute) ? ` · ${s.runsPerMinute.toFixed(s.runsPerMinute < 10 ? 2 : 1)} runs/min` : '';
  const eta = s.phase === 'running' && Number.isFinite(s.etaSeconds) ? ` · ETA ${formatDuration(s.etaSeconds)}` : '';
  const end = s.phase === 'running' ? '' : ` · ${s.phase} after ${formatDuration(s.elapsedSeconds)}`;
  const last = s.last ? ` · last: ${s.last}` : '';
  return `${s.study} [${s.executor}]: ${s.done}/${s.total} runs (${parts.join(', ')})${rate}${eta}${end}${last}`;
}

/** A line on `write` at most every `everyMs` and whenever the phase ends. */
export function lineProgress(write: (line: string) => void = (l) => process.stderr.write(`${l}\n`), everyMs = 10_000): ProgressSink {
  let lastAt = -Infinity;
  return (s) => {
    const now = Date.now();
    if (s.phase === 'running' && now - lastAt < everyMs) return;
    lastAt = now;
    write(formatProgress(s));
  };
}

/** A progress bar on stderr (a terminal). */
export function barProgress(): ProgressSink {
  let bar: SingleBar | undefined;
  return (s) => {
    const detail = s.running.length ? `running: ${s.running.slice(0, 3).join('; ')}` : s.last;
    const payload = { detail, cached: s.cached, eta: Number.isFinite(s.etaSeconds) ? formatDuration(s.etaSeconds) : '?', rate: Number.isFinite(s.runsPerMinute) ? s.runsPerMinute.toFixed(2) : '?' };
    if (!bar) {
      bar = new SingleBar({
        format: `${s.study} [{bar}] {value}/{total} runs ({cached} cached) · {rate} runs/min · ETA {eta} · {detail}`,
        stream: process.stderr,
        hideCursor: true,
        clearOnComplete: false,
        barsize: 24,
        etaBuffer: 20,
      });
      bar.start(s.total, s.done, payload);
    } else {
      bar.update(s.done, payload);
    }
    if (s.phase !== 'running') {
      bar.stop();
      process.stderr.write(`${formatProgress(s)}\n`);
      bar = undefined;
    }
  };
}

function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** One notebook output replaced in place, or null outside a tslab kernel. */
export function notebookProgress(): ProgressSink | null {
  const out = updatableOutput();
  if (!out) return null;
  let lastAt = -Infinity;
  return (s) => {
    const now = Date.now();
    // Updates are cheap but not free over ZeroMQ: at most 4 per second.
    if (s.phase === 'running' && now - lastAt < 250) return;
    lastAt = now;
    const text = formatProgress(s);
    const share = s.total ? (100 * s.done) / s.total : 100;
    const running = s.running.length ? `<div style="font-size:90%;color:#555">running: ${s.running.map(escapeHtml).join(' · ')}</div>` : '';
    const html =
      `<div style="font-family:monospace"><progress value="${s.done}" max="${Math.max(1, s.total)}" style="width:240px"></progress> ` +
      `${share.toFixed(0)} % — ${escapeHtml(text)}${running}</div>`;
    out.update({ 'text/plain': text, 'text/html': html });
  };
}

/** The display for where this process runs: a notebook output, a terminal bar, or log lines. */
export function defaultProgress(): ProgressSink {
  return notebookProgress() ?? (process.stderr.isTTY ? barProgress() : lineProgress());
}
