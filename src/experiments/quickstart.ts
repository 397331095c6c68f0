/**
 * What the quickstart notebook shows: every benchmark the project found, its
 * size and ground-truth optimum, so a new user sees at once what data is here.
 */
import { findDataPath } from '../loaders/dataFiles.js';
import { loadNb201, NB201_CELLS_ZIP } from '../loaders/cellJson.js';
import { CIFAR10_DATA_FILE, loadCifar10 } from '../loaders/cifar10.js';
import { findTinyNanoBench, loadTinyNanoBench } from '../loaders/tinyNanoBench.js';
import { NB201_DATASETS, type Nb201Dataset } from '../spaces/nb201.js';
import { POSITIVE_INTEGER, checkField, checkOneOf } from '../core/checks.js';
import { loadNb101Subset, NB101_SUBSET_FILE } from '../loaders/nb101.js';

/** The quickstart notebook's one config: typed, so a wrong dataset name or field fails to compile in its cell. */
export interface QuickstartConfig {
  readonly dataset: Nb201Dataset;
  /** Histogram bins. */
  readonly bins: number;
  /** Best cells listed. */
  readonly topN: number;
}

/** The config, every value checked (errors name the field, the value and the allowed range). */
export function checkQuickstartConfig(config: QuickstartConfig): QuickstartConfig {
  const where = 'quickstart config';
  checkOneOf(where, 'dataset', config.dataset, NB201_DATASETS);
  checkField(where, 'bins', config.bins, { ...POSITIVE_INTEGER, max: 1000 });
  checkField(where, 'topN', config.topN, { ...POSITIVE_INTEGER, max: 1000 });
  return config;
}

export interface DatasetRow {
  benchmark: string;
  records: number;
  groundTruth: string;
  best: number | null;
  median: number | null;
  status: string;
}

function median(values: Float64Array): number {
  const sorted = Float64Array.from(values).sort();
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function metricRow(benchmark: string, metric: string, values: Float64Array): DatasetRow {
  return {
    benchmark,
    records: values.length,
    groundTruth: metric,
    best: values.reduce((a, b) => Math.max(a, b), -Infinity),
    median: median(values),
    status: 'ok',
  };
}

const missing = (benchmark: string, file: string): DatasetRow => ({
  benchmark,
  records: 0,
  groundTruth: '',
  best: null,
  median: null,
  status: `not found: ${file}`,
});

/** One row per benchmark the project can read, loaded from the data folder. */
export async function summarizeDatasets(): Promise<DatasetRow[]> {
  const rows: DatasetRow[] = [];
  if (findDataPath(NB101_SUBSET_FILE)) {
    const nb101 = await loadNb101Subset();
    rows.push(metricRow('NAS-Bench-101 (20k subset)', 'val_acc_108', nb101.metric('val_acc_108')));
  } else rows.push(missing('NAS-Bench-101 (20k subset)', NB101_SUBSET_FILE));
  for (const dataset of NB201_DATASETS) {
    const name = `NAS-Bench-201 ${dataset}`;
    if (!findDataPath(NB201_CELLS_ZIP)) {
      rows.push(missing(name, NB201_CELLS_ZIP));
      continue;
    }
    const bench = await loadNb201({ dataset });
    rows.push(metricRow(name, 'test_acc_200', bench.metric('test_acc_200')));
  }
  const nano = findTinyNanoBench();
  if (nano) {
    const bench = await loadTinyNanoBench({ source: nano });
    rows.push(metricRow('Tiny-NanoBench', 'gt_accuracy', bench.metric('gt_accuracy')));
  } else rows.push(missing('Tiny-NanoBench', 'tiny_nanobench/ or data.zip (optional; Siamese-NAS release)'));
  if (findDataPath(CIFAR10_DATA_FILE)) {
    for (const split of ['train', 'test'] as const) {
      const data = await loadCifar10({ split });
      rows.push({ benchmark: `CIFAR-10 ${split}`, records: data.n, groundTruth: 'images', best: null, median: null, status: 'ok' });
    }
  } else rows.push(missing('CIFAR-10', CIFAR10_DATA_FILE));
  return rows;
}
