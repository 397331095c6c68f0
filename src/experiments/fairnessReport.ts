/**
 * The FairNAS fairness ablation's summaries: per sampler (mean ± std over
 * seeds), paired comparisons between samplers (t-test over seeds, bootstrap
 * over architectures) and the tables the notebook shows.
 */
import { meanStd } from '../metrics/index.js';
import { pairedTTest, type PairedTTest } from '../metrics/pairedTTest.js';
import { createSampler } from '../supernet/samplers.js';
import { NB201_NUM_EDGES, NB201_NUM_OPS } from '../spaces/nb201.js';
import { bootstrapTauDifference, type BootstrapDifference } from './fairnessStats.js';
import type { FairnessAblationConfig } from './fairnessConfig.js';
import { FAIRNAS_PUBLISHED_TAU, samplerLabel } from './fairnessConfig.js';
import type { FairnessAblationResult, FairnessRun, SamplerComparison, SamplerSummary } from './fairnessAblation.js';

const samplerNames = (config: FairnessAblationConfig): string[] => config.samplers.map((s) => createSampler(s, 0).name);

function runsOf(runs: readonly FairnessRun[], sampler: string, seeds: readonly number[]): FairnessRun[] {
  return seeds.map((seed) => {
    const run = runs.find((r) => r.sampler === sampler && r.seed === seed);
    if (!run) throw new Error(`fairness ablation: no run for ${sampler} seed ${seed}`);
    return run;
  });
}

/** Mean ± std over seeds per sampler, with update and pass counts. */
export function summarizeSamplers(runs: readonly FairnessRun[], config: FairnessAblationConfig): SamplerSummary[] {
  return samplerNames(config).map((sampler) => {
    const rs = runsOf(runs, sampler, config.seeds);
    const tau = meanStd(rs.map((r) => r.kendallTau));
    const rho = meanStd(rs.map((r) => r.spearmanRho));
    const countsMean = Array.from({ length: NB201_NUM_EDGES }, (_, e) =>
      Array.from({ length: NB201_NUM_OPS }, (_, o) => rs.reduce((s, r) => s + r.counts[e]![o]!, 0) / rs.length),
    );
    let countSpread = 0;
    for (const r of rs) {
      for (const row of r.counts) {
        const mean = row.reduce((s, v) => s + v, 0) / row.length;
        if (mean > 0) countSpread = Math.max(countSpread, (Math.max(...row) - Math.min(...row)) / mean);
      }
    }
    const avg = (f: (r: FairnessRun) => number): number => rs.reduce((s, r) => s + f(r), 0) / rs.length;
    return {
      sampler,
      label: samplerLabel(sampler),
      seeds: rs.length,
      tauMean: tau.mean,
      tauStd: tau.std,
      rhoMean: rho.mean,
      rhoStd: rho.std,
      tauVsParamsMean: avg((r) => r.kendallTauVsParams),
      updates: rs[0]!.updates,
      passesPerUpdate: rs[0]!.forwardBackwardPasses / rs[0]!.updates,
      passesMean: avg((r) => r.forwardBackwardPasses),
      countsMean,
      countSpread,
      meanSupernetAccuracy: avg((r) => r.accuracy.reduce((s, a) => s + a, 0) / r.accuracy.length),
      trainSecondsMean: avg((r) => r.trainSeconds),
      evalSecondsMean: avg((r) => r.evalSeconds),
    };
  });
}

const fmt = (v: number, digits = 3): string => (Number.isFinite(v) ? v.toFixed(digits) : '–');

/** One sentence: the difference, the t-test over seeds, the bootstrap interval over architectures, and the verdict. */
export function significanceStatement(a: string, b: string, t: PairedTTest, boot: BootstrapDifference): string {
  const diff = `${a} − ${b}: Δτ = ${t.meanDifference >= 0 ? '+' : ''}${fmt(t.meanDifference)}`;
  const tPart = Number.isNaN(t.p)
    ? `no t-test (${t.n < 2 ? `${t.n} seed: needs ≥ 2` : 'no spread between seeds'})`
    : `paired t-test over ${t.n} seeds: t = ${fmt(t.t, 2)}, df = ${t.df}, p = ${t.p < 0.001 ? t.p.toExponential(1) : fmt(t.p)}, 95 % CI [${fmt(t.lower)}, ${fmt(t.upper)}]`;
  const bPart = `bootstrap over architectures (${boot.resamples} resamples): ${Math.round(boot.level * 100)} % CI [${fmt(boot.lower)}, ${fmt(boot.upper)}]`;
  const tSig = !Number.isNaN(t.p) && t.p < 0.05;
  const bSig = boot.lower > 0 || boot.upper < 0;
  const verdict = tSig && bSig
    ? 'significant at 5 % by both tests'
    : tSig
      ? 'significant over seeds (p < 0.05) but the architecture bootstrap interval includes 0'
      : bSig
        ? 'the architecture bootstrap interval excludes 0, but the seed-to-seed variation does not support a difference (p ≥ 0.05 or too few seeds)'
        : 'not significant at 5 %';
  return `${diff}; ${tPart}; ${bPart} → ${verdict}.`;
}

/** Every pair of samplers: paired t-test of tau over seeds and the bootstrap of the tau difference over architectures. */
export function compareSamplers(runs: readonly FairnessRun[], truth: readonly number[], config: FairnessAblationConfig): SamplerComparison[] {
  const names = samplerNames(config);
  // Most interesting first: strict-fair against the others, then the rest.
  const pairs: [string, string][] = [];
  for (let i = names.length - 1; i >= 0; i--) for (let j = i - 1; j >= 0; j--) pairs.push([names[i]!, names[j]!]);
  return pairs.map(([a, b]) => {
    const ra = runsOf(runs, a, config.seeds);
    const rb = runsOf(runs, b, config.seeds);
    const tTest = pairedTTest(
      ra.map((r) => r.kendallTau),
      rb.map((r) => r.kendallTau),
    );
    const bootstrap = bootstrapTauDifference(
      truth,
      ra.map((r) => r.accuracy),
      rb.map((r) => r.accuracy),
      { resamples: config.bootstrapResamples, seed: `${config.archSeed}/${a}-vs-${b}` },
    );
    return { a, b, tTest, bootstrap, statement: significanceStatement(a, b, tTest, bootstrap) };
  });
}

/** The summary as plain rows (notebook tables, CLI). */
export function fairnessSummaryRows(result: FairnessAblationResult): Record<string, string | number>[] {
  return result.summary.map((s) => ({
    sampler: s.label,
    seeds: s.seeds,
    'Kendall τ': `${fmt(s.tauMean)} ± ${fmt(s.tauStd)}`,
    'Spearman ρ': `${fmt(s.rhoMean)} ± ${fmt(s.rhoStd)}`,
    'τ vs params': fmt(s.tauVsParamsMean),
    updates: s.updates,
    'passes/update': s.passesPerUpdate,
    'fwd/bwd passes': Math.round(s.passesMean),
    'count spread': fmt(s.countSpread, 2),
    'mean supernet acc (%)': fmt(100 * s.meanSupernetAccuracy, 1),
    'train s': fmt(s.trainSecondsMean, 0),
    'eval s': fmt(s.evalSecondsMean, 0),
  }));
}

/** Our tau beside the published ImageNet numbers. */
export function publishedComparisonRows(result: FairnessAblationResult): Record<string, string | number>[] {
  return FAIRNAS_PUBLISHED_TAU.map((p) => {
    const ours = result.summary.find((s) => s.sampler === p.sampler);
    return {
      method: p.method,
      'published τ (ImageNet, 13 models)': p.tau,
      'ours τ (NB201 CIFAR-10)': ours ? `${fmt(ours.tauMean)} ± ${fmt(ours.tauStd)}` : 'not run',
      'ours archs × seeds': ours ? `${result.archs.length} × ${ours.seeds}` : '',
    };
  });
}

/** The ground-truth bins the architectures were drawn from, as rows. */
export function strataRows(result: FairnessAblationResult): Record<string, string | number>[] {
  return result.strata.map((s, bin) => ({
    bin,
    'test_acc_200 from (%)': fmt(100 * s.lower, 2),
    'to (%)': fmt(100 * s.upper, 2),
    candidates: s.candidates,
    sampled: s.picked,
  }));
}
