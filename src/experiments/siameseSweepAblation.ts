/**
 * A switch of the Siamese sweep measured: the same points run with the
 * switch flipped (a second sweep on the same seeds; every method draws the
 * same training cells per benchmark, N and repeat, so the runs pair by
 * repeat) and compared with the main sweep per (series, scoring, method,
 * point): both means, the paired difference (variant − main) with its 95 %
 * t interval and p, and the mean share of initial batch-norm statistics
 * left in each (the diagnostic the BN-momentum switch is about).
 */
import { groupRows } from './studyRows.js';
import { meanOfFinite } from '../metrics/summary.js';
import { runKey } from '../engine/index.js';
import { pairedTTest } from '../metrics/pairedTTest.js';
import type { SiameseSweepConfig, SiameseSweepResult, SweepRow } from './siameseSweep.js';

export interface SweepAblationRow {
  readonly variant: string;
  readonly series: string;
  readonly scoring: SweepRow['scoring'];
  readonly method: SweepRow['method'];
  readonly N: number;
  readonly K: number;
  readonly budget: number;
  /** Repeats present in both sweeps. */
  readonly pairs: number;
  readonly main: number;
  readonly flipped: number;
  /** Mean of flipped − main over the paired repeats. */
  readonly difference: number;
  readonly ciLower: number;
  readonly ciUpper: number;
  readonly p: number;
  readonly mainBnInitialShare: number | null;
  readonly flippedBnInitialShare: number | null;
  readonly mainKendallTau: number | null;
  readonly flippedKendallTau: number | null;
}

const rowKey = (r: Pick<SweepRow, 'series' | 'scoring' | 'method' | 'N' | 'K'>): string => `${r.series}|${r.scoring}|${r.method}|${r.N}|${r.K}`;

/**
 * Every point of `flipped` that `main` also has, paired by repeat. Points
 * whose runs do not differ between the two configs (e.g. random search
 * under a predictor switch) are left out: their difference is 0 by construction.
 */
export function sweepAblation(variant: string, main: Pick<SiameseSweepResult, 'rows' | 'runs'>, flipped: Pick<SiameseSweepResult, 'rows' | 'runs'>): SweepAblationRow[] {
  const mainRows = new Map<string, Map<number, SweepRow>>();
  for (const r of main.rows) {
    let byRepeat = mainRows.get(rowKey(r));
    if (!byRepeat) mainRows.set(rowKey(r), (byRepeat = new Map()));
    byRepeat.set(r.repeat, r);
  }
  // (method, scoring) whose flipped runs are all runs of the main sweep: the switch does not reach them.
  const mainKeys = new Set(main.runs.map((r) => runKey(r.config)));
  const reached = new Set(flipped.runs.filter((r) => !mainKeys.has(runKey(r.config))).map((r) => `${r.config.method}|${r.config.scoring}`));
  const out: SweepAblationRow[] = [];
  for (const group of groupRows(flipped.rows, ['series', 'scoring', 'method', 'N', 'K'])) {
    const byRepeat = mainRows.get(rowKey(group[0]!));
    if (!byRepeat) continue;
    const first = group[0]!;
    if (!reached.has(`${first.method}|${first.scoring}`)) continue;
    const pairs = group.filter((r) => byRepeat.has(r.repeat)).sort((a, b) => a.repeat - b.repeat);
    if (pairs.length === 0) continue;
    const mains = pairs.map((r) => byRepeat.get(r.repeat)!);
    const test = pairedTTest(pairs.map((r) => r.best), mains.map((r) => r.best));
    out.push({
      variant,
      series: first.series,
      scoring: first.scoring,
      method: first.method,
      N: first.N,
      K: first.K,
      budget: first.budget,
      pairs: pairs.length,
      main: mains.reduce((s, r) => s + r.best, 0) / mains.length,
      flipped: pairs.reduce((s, r) => s + r.best, 0) / pairs.length,
      difference: test.meanDifference,
      ciLower: test.lower,
      ciUpper: test.upper,
      p: test.p,
      mainBnInitialShare: meanOfFinite(mains.map((r) => r.bnInitialShare)),
      flippedBnInitialShare: meanOfFinite(pairs.map((r) => r.bnInitialShare)),
      mainKendallTau: meanOfFinite(mains.map((r) => r.kendallTau)),
      flippedKendallTau: meanOfFinite(pairs.map((r) => r.kendallTau)),
    });
  }
  return out;
}

/** The sweep config with only `seriesIds` and `scorings` kept (the slice an ablation reruns). */
export function sweepSlice(config: SiameseSweepConfig, seriesIds: readonly string[], scorings: SiameseSweepConfig['scorings'] = config.scorings): SiameseSweepConfig {
  const unknown = seriesIds.filter((id) => !config.series.some((s) => s.id === id));
  if (unknown.length > 0) throw new RangeError(`sweepSlice: no series ${unknown.join(', ')} in this config (have ${config.series.map((s) => s.id).join(', ')})`);
  return { ...config, series: config.series.filter((s) => seriesIds.includes(s.id)), scorings };
}
