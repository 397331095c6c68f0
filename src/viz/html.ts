/**
 * Interactive HTML for figures: the inlined plotly bundle and a div that
 * draws one figure with it. Used by `save(…, '.html')` and by `show()` in
 * notebooks.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { figureTitle, type PlotlyFigure } from './figure.js';
import { plotlyBundlePath } from './render.js';

/** Script text that must not end the surrounding <script> element early. */
function escapeForScript(js: string): string {
  return js.replace(/<\/(script)/gi, '<\\/$1').replace(/<!--/g, '<\\!--');
}

/** JSON safe to inline in a <script>: '<' (and the JS line separators) escaped inside strings. */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * A <script> that defines `Plotly` unless the page already has it, so the
 * multi-megabyte bundle can be emitted once and reused by later figures.
 */
export function plotlyLoaderScript(): string {
  const bundle = readFileSync(plotlyBundlePath(), 'utf8');
  return `<script type="text/javascript">if (typeof window.Plotly === 'undefined') {\n${escapeForScript(bundle)}\n}</script>`;
}

/**
 * A div plus the script that draws `fig` into it with the page's Plotly.
 * Notebook front-ends may run the script before the output is attached to the
 * document, or before an earlier output defined Plotly, so drawing retries for
 * a while; without Plotly the div stays empty (the static PNG is shown anyway).
 */
export function figureDivHtml(fig: PlotlyFigure): string {
  const id = `nas-fig-${randomBytes(6).toString('hex')}`;
  const config = { displaylogo: false, responsive: false };
  return (
    `<div id="${id}" class="nas-figure"></div>\n` +
    `<script type="text/javascript">(function () {\n` +
    `  var fig = ${jsonForScript(fig)};\n` +
    `  var tries = 0;\n` +
    `  function draw() {\n` +
    `    var el = document.getElementById(${JSON.stringify(id)});\n` +
    `    if (el && window.Plotly) { window.Plotly.newPlot(el, fig.data, fig.layout, ${JSON.stringify(config)}); return; }\n` +
    `    if (++tries < 600) setTimeout(draw, 100);\n` +
    `  }\n` +
    `  draw();\n` +
    `})();</script>`
  );
}

/** A standalone HTML page (plotly inlined, no network needed) showing `fig` interactively. */
export function figureToHtml(fig: PlotlyFigure): string {
  const title = figureTitle(fig) || 'figure';
  return (
    '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n' +
    `<title>${escapeHtml(title)}</title>\n` +
    '<style>body { margin: 16px; background: #ffffff; }</style>\n' +
    `${plotlyLoaderScript()}\n</head>\n<body>\n${figureDivHtml(fig)}\n</body>\n</html>\n`
  );
}
