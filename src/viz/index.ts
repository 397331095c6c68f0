/**
 * Figures and tables for notebooks and scripts.
 *
 *   const fig = scatterFigure({ x: predicted, y: actual, diagonal: true, title: 'ReNAS on NB201' });
 *   await show(fig);                       // one output (PNG + plotly view) in a notebook; saved under results/figures/
 *   await save(fig, 'results/x/fig.svg');  // .png | .svg | .html
 *   showTable(rows);                       // HTML in a notebook, Markdown elsewhere
 */
export {
  FIGURE_HEIGHT,
  FIGURE_WIDTH,
  DIVERGING_SCALE,
  PALETTE,
  REFERENCE_COLOR,
  SEQUENTIAL_SCALE,
  checkFigure,
  figureSize,
  figureTitle,
  houseLayout,
  withLayout,
  type ColorScale,
  type FigureOptions,
  type PlotlyFigure,
  type PlotlyLayout,
  type PlotlyTrace,
} from './figure.js';
export {
  MIN_REPEATS_FOR_BAND,
  addReferencePoints,
  barFigure,
  heatmapFigure,
  histogramFigure,
  lineFigure,
  scatterFigure,
  type BarSeries,
  type HeatmapOptions,
  type HistogramOptions,
  type HistogramSeries,
  type LineSeries,
  type ReferenceOptions,
  type ReferencePoint,
  type ScatterOptions,
} from './builders.js';
export { chromiumPath, closeRenderer, plotlyBundlePath, renderFigure, type RenderOptions } from './render.js';
export { figureToHtml } from './html.js';
export { FIGURE_EXTENSIONS, save, type SaveOptions } from './save.js';
export { PLOTLY_MIME, figureBundle, figureDir, figureGroup, figurePath, interactiveViewFromEnv, setFigureGroup, show, slugify, type InteractiveView, type ShowOptions } from './show.js';
export { inNotebookKernel, notebookOutput, type MimeBundle, type NotebookOutput } from './jupyter.js';
export {
  numberFormats,
  showTable,
  tableToHtml,
  tableToMarkdown,
  MISSING_MARK,
  toTable,
  type CellFormat,
  type TableInput,
  type TableOptions,
} from './table.js';
