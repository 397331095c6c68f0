import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { from as tableFromRows } from 'arquero';
import { unzlibSync } from 'fflate';
import {
  addReferencePoints,
  barFigure,
  chromiumPath,
  closeRenderer,
  PLOTLY_MIME,
  figureBundle,
  figureDir,
  figurePath,
  heatmapFigure,
  interactiveViewFromEnv,
  histogramFigure,
  lineFigure,
  numberFormats,
  renderFigure,
  save,
  scatterFigure,
  setFigureGroup,
  show,
  slugify,
  tableToHtml,
  tableToMarkdown,
  withLayout,
  type PlotlyFigure,
  type PlotlyTrace,
} from '../src/viz/index.js';
import { MAX_DEFAULT_PNG_BYTES } from '../src/viz/show.js';
import { createRng } from '../src/core/rng.js';

const CHROMIUM = chromiumPath();
const noBrowser = existsSync(CHROMIUM) ? false : `Chromium not found at ${CHROMIUM}; install it with environment/setup.sh`;

const tempRoot = mkdtempSync(join(tmpdir(), 'viz-test-'));
after(async () => {
  await closeRenderer();
  rmSync(tempRoot, { recursive: true, force: true });
});

/** Parses a figure through JSON, as notebooks and the renderer see it. */
function roundTrip(fig: PlotlyFigure): PlotlyFigure {
  return JSON.parse(JSON.stringify(fig)) as PlotlyFigure;
}

function traceNamed(fig: PlotlyFigure, name: string): PlotlyTrace {
  const t = fig.data.find((d) => d['name'] === name);
  assert.ok(t, `no trace named ${name}; traces: ${fig.data.map((d) => d['name']).join(', ')}`);
  return t;
}

describe('figure builders', () => {
  test('scatterFigure: plain arrays, y = x diagonal over the data range, house size', () => {
    const fig = scatterFigure({ x: new Float32Array([1, 2, 4]), y: [0.5, 3, 2], diagonal: true, labels: ['a', 'b', 'c'], title: 'pred vs true' });
    assert.deepEqual(roundTrip(fig), fig, 'figure survives JSON unchanged (no typed arrays)');
    const diag = traceNamed(fig, 'y = x');
    assert.deepEqual(diag['x'], [0.5, 4]);
    assert.deepEqual(diag['y'], [0.5, 4]);
    const points = traceNamed(fig, 'points');
    assert.deepEqual(points['x'], [1, 2, 4]);
    assert.deepEqual(points['text'], ['a', 'b', 'c']);
    assert.equal(fig.layout['width'], 720);
    assert.equal(fig.layout['height'], 440);
    assert.equal((fig.layout['title'] as { text: string }).text, 'pred vs true');
  });

  test('scatterFigure: string colours split into one trace per category, numbers make a colour scale', () => {
    const byCat = scatterFigure({ x: [1, 2, 3, 4], y: [4, 3, 2, 1], color: ['ours', 'paper', 'ours', 'paper'] });
    assert.deepEqual(byCat.data.map((t) => t['name']), ['ours', 'paper']);
    assert.deepEqual(traceNamed(byCat, 'paper')['y'], [3, 1]);
    const byValue = scatterFigure({ x: [1, 2], y: [1, 2], color: [0.1, 0.9], colorTitle: 'params' });
    const marker = byValue.data[0]!['marker'] as Record<string, unknown>;
    assert.deepEqual(marker['color'], [0.1, 0.9]);
    assert.equal(marker['showscale'], true);
  });

  test('scatterFigure: mismatched lengths are named in the error', () => {
    assert.throws(() => scatterFigure({ x: [1, 2], y: [1] }), /y has 1 values but x\/y have 2/);
    assert.throws(() => scatterFigure({ x: [1, 2], y: [1, 2], labels: ['a'] }), /labels has 1 values/);
  });

  test('lineFigure: a band is one closed mean ± band polygon drawn under the lines', () => {
    const fig = lineFigure(
      [
        { name: 'fair', x: [0, 1, 2], y: [1, 2, 3], band: [0.5, 0.5, 1] },
        { name: 'uniform', y: [3, 2, 1] },
      ],
      { xTitle: 'epoch', yTitle: 'τ' },
    );
    assert.equal(fig.data.length, 3);
    const band = fig.data[0]!;
    assert.equal(band['fill'], 'toself');
    assert.deepEqual(band['x'], [0, 1, 2, 2, 1, 0]);
    assert.deepEqual(band['y'], [1.5, 2.5, 4, 2, 1.5, 0.5]);
    assert.equal(band['showlegend'], false);
    assert.deepEqual(traceNamed(fig, 'uniform')['x'], [0, 1, 2], 'x defaults to indices');
    assert.equal(fig.layout['showlegend'], true);
    // Same colour for a line and its band.
    assert.equal(band['fillcolor'], (traceNamed(fig, 'fair')['line'] as { color: string }).color);
  });

  test('lineFigure: points with a non-finite mean or band are left out of the band', () => {
    const fig = lineFigure([{ name: 's', y: [1, NaN, 3], band: [1, 1, 1] }]);
    assert.deepEqual(fig.data[0]!['x'], [0, 2, 2, 0]);
  });

  test('barFigure: grouped bars with error bars on a category axis', () => {
    const fig = barFigure([
      { name: 'ReNAS', categories: [4, 8], values: [0.6, 0.7], errors: [0.02, 0.01] },
      { name: 'MSE', categories: [4, 8], values: [0.4, 0.5] },
    ]);
    const renas = traceNamed(fig, 'ReNAS');
    assert.deepEqual(renas['x'], ['4', '8']);
    assert.deepEqual((renas['error_y'] as { array: number[] }).array, [0.02, 0.01]);
    assert.equal(traceNamed(fig, 'MSE')['error_y'], undefined);
    assert.equal(fig.layout['barmode'], 'group');
    assert.equal((fig.layout['xaxis'] as { type: string }).type, 'category');
    assert.throws(() => barFigure([{ name: 'x', categories: ['a'], values: [1], errors: [1, 2] }]), /errors has 2 values/);
  });

  test('heatmapFigure: labelled matrix, first row on top, values written in the cells', () => {
    const fig = heatmapFigure({ z: [[0, 1], [0.5, 0.25]], rowLabels: ['r0', 'r1'], colLabels: ['c0', 'c1'], decimals: 1 });
    const trace = fig.data[0]!;
    assert.equal(trace['type'], 'heatmap');
    assert.deepEqual(trace['z'], [[0, 1], [0.5, 0.25]]);
    assert.deepEqual(trace['x'], ['c0', 'c1']);
    assert.deepEqual(trace['y'], ['r0', 'r1']);
    assert.equal(trace['zmin'], 0);
    assert.equal(trace['zmax'], 1);
    assert.equal(trace['texttemplate'], '%{z:.1f}');
    assert.equal((fig.layout['yaxis'] as { autorange: string }).autorange, 'reversed');
    const big = heatmapFigure({ z: Array.from({ length: 30 }, () => new Array(30).fill(1)) });
    assert.equal(big.data[0]!['texttemplate'], undefined, 'no cell text by default on large matrices');
    assert.throws(() => heatmapFigure({ z: [[1]], decimals: -1 }), /decimals must be an integer/);
  });

  test('heatmapFigure: diverging scale is symmetric around 0; bad shapes and labels are rejected', () => {
    const fig = heatmapFigure({ z: [[-0.2, 0.8]], diverging: true });
    assert.equal(fig.data[0]!['zmin'], -0.8);
    assert.equal(fig.data[0]!['zmax'], 0.8);
    assert.throws(() => heatmapFigure({ z: [[1, 2], [3]] }), /z\[1\] has 1 values but z\[0\] has 2/);
    assert.throws(() => heatmapFigure({ z: [[1], [2]], rowLabels: ['a', 'a'] }), /repeats the label "a"/);
    assert.throws(() => heatmapFigure({ z: [[1]], colLabels: ['a', 'b'] }), /colLabels has 2 labels for 1 columns/);
  });

  test('histogramFigure: overlaid series share explicit bins', () => {
    const fig = histogramFigure(
      [
        { name: 'a', values: [0, 1, 2] },
        { name: 'b', values: [5, 10] },
      ],
      { bins: 5, normalize: 'probability' },
    );
    const [a, b] = fig.data;
    assert.deepEqual(a!['xbins'], b!['xbins']);
    assert.equal((a!['xbins'] as { start: number }).start, 0);
    assert.equal((a!['xbins'] as { size: number }).size, 2);
    assert.equal(a!['histnorm'], 'probability');
    assert.equal(fig.layout['barmode'], 'overlay');
    assert.throws(() => histogramFigure([{ name: 'n', values: [NaN] }]), /no finite values/);
  });

  test('addReferencePoints and withLayout return new figures and leave the input alone', () => {
    const base = scatterFigure({ x: [1, 2], y: [1, 2] });
    const before = JSON.stringify(base);
    const withPaper = addReferencePoints(base, [{ x: 1.5, y: 1.7, label: 'ReNAS' }]);
    assert.equal(JSON.stringify(base), before);
    const ref = traceNamed(withPaper, 'paper');
    assert.equal((ref['marker'] as { symbol: string }).symbol, 'star');
    assert.equal(ref['mode'], 'markers+text');
    assert.equal(withPaper.layout['showlegend'], true);

    const logY = withLayout(base, { yaxis: { type: 'log' } });
    const yaxis = logY.layout['yaxis'] as Record<string, unknown>;
    assert.equal(yaxis['type'], 'log');
    assert.equal(yaxis['showline'], true, 'deep merge keeps the house axis style');
    assert.equal(JSON.stringify(base), before);
    assert.throws(() => addReferencePoints(base, []), /non-empty array/);
    assert.throws(() => withLayout({ data: {} } as unknown as PlotlyFigure, {}), /figure.data must be an array/);
  });
});

describe('figure files and paths', () => {
  test('figurePath: title slug in figureDir(), bare names and paths, extensions', () => {
    const env = process.env['NAS_RESULTS_DIR'];
    process.env['NAS_RESULTS_DIR'] = join(tempRoot, 'results');
    try {
      setFigureGroup('Unit Test #1');
      assert.equal(figureDir(), join(tempRoot, 'results', 'figures', 'unit-test-1'));
      const fig = scatterFigure({ x: [1], y: [1], title: 'Kendall τ vs. K' });
      assert.equal(figurePath(fig), join(figureDir(), 'kendall-vs-k.png'));
      assert.equal(figurePath(fig, 'tau'), join(figureDir(), 'tau.png'));
      assert.equal(figurePath(fig, 'tau.svg'), join(figureDir(), 'tau.svg'));
      assert.equal(figurePath(fig, 'out/dir/fig'), 'out/dir/fig.png');
      assert.throws(() => figurePath(fig, 'fig.jpg'), /extension \.jpg/);
      assert.equal(slugify('  ÄccüracY (%) '), 'accuracy');
    } finally {
      if (env === undefined) delete process.env['NAS_RESULTS_DIR'];
      else process.env['NAS_RESULTS_DIR'] = env;
    }
  });

  test('rendering without Chromium fails with a message saying how to install it', async () => {
    await closeRenderer(); // the check runs at launch
    const env = process.env['NAS_CHROMIUM'];
    process.env['NAS_CHROMIUM'] = join(tempRoot, 'no-such-chromium');
    try {
      await assert.rejects(renderFigure(scatterFigure({ x: [1], y: [1] })), /Chromium not found at .*no-such-chromium.*environment\/setup\.sh/);
    } finally {
      if (env === undefined) delete process.env['NAS_CHROMIUM'];
      else process.env['NAS_CHROMIUM'] = env;
    }
  });

  test('save rejects an unknown extension before writing anything', async () => {
    const target = join(tempRoot, 'never', 'fig.gif');
    await assert.rejects(save(scatterFigure({ x: [1], y: [1] }), target), /use one of \.png, \.svg, \.html/);
    assert.equal(existsSync(join(tempRoot, 'never')), false);
  });

  test('save .html: a standalone page with plotly inlined once and the figure', async () => {
    const target = join(tempRoot, 'html', 'nested', 'fig.html');
    await save(scatterFigure({ x: [1, 2], y: [2, 1], title: '<b>x</b> & y' }), target);
    const html = readFileSync(target, 'utf8');
    assert.ok(html.length > 1_000_000, 'plotly bundle is inlined');
    assert.match(html, /<title>&#60;b&#62;x&#60;\/b&#62; &#38; y<\/title>/);
    assert.match(html, /Plotly\.newPlot/);
    // Only our two </script> tags: nothing inside the bundle or the JSON ends a script early.
    assert.equal(html.split('</script>').length - 1, 2);
    assert.ok(!html.includes('"<b>x</b>'), 'figure JSON has < escaped');
    assert.deepEqual(readdirSync(join(tempRoot, 'html', 'nested')), ['fig.html'], 'no temp files left');
  });
});

/** PNG signature + IHDR size, and whether the decoded pixels vary (not a blank image). */
function inspectPng(png: Uint8Array): { width: number; height: number; distinctBytes: number } {
  const buf = Buffer.from(png);
  assert.deepEqual([...buf.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], 'PNG signature');
  assert.equal(buf.toString('latin1', 12, 16), 'IHDR');
  const idat: Buffer[] = [];
  for (let off = 8; off < buf.length; ) {
    const len = buf.readUInt32BE(off);
    if (buf.toString('latin1', off + 4, off + 8) === 'IDAT') idat.push(buf.subarray(off + 8, off + 8 + len));
    off += 12 + len;
  }
  const pixels = unzlibSync(Buffer.concat(idat));
  return { width: buf.readUInt32BE(16), height: buf.readUInt32BE(20), distinctBytes: new Set(pixels).size };
}

/** Alive and not a zombie (a killed orphan may wait for a PID 1 that does not reap). */
function isRunning(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')[0] !== 'Z';
  } catch {
    return false;
  }
}

describe('rendering (headless Chromium)', { skip: noBrowser }, () => {
  test('renderFigure png: real PNG of width·scale × height·scale pixels with content', async () => {
    const fig = scatterFigure({ x: [1, 2, 3], y: [3, 1, 2], diagonal: true, title: 'render test' });
    const png = await renderFigure(fig, { format: 'png', width: 300, height: 200, scale: 2 });
    const info = inspectPng(png);
    assert.equal(info.width, 600);
    assert.equal(info.height, 400);
    assert.ok(info.distinctBytes > 20, `image has content (${info.distinctBytes} distinct byte values)`);
    const layoutSized = inspectPng(await renderFigure(fig));
    assert.deepEqual([layoutSized.width, layoutSized.height], [720, 440]);
  });

  test('renderFigure svg: an SVG document of the requested size with the title text', async () => {
    const svg = await renderFigure(heatmapFigure({ z: [[1, 2], [3, 4]], title: 'svg test' }), { format: 'svg', width: 400, height: 300 });
    assert.match(svg, /^<svg[^>]*xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    assert.match(svg, /^<svg[^>]*width="400"[^>]*height="300"/);
    assert.match(svg, /svg test/);
    assert.match(svg, />3\.00</, 'cell values are written');
  });

  test('renderFigure rejects bad options and malformed figures with clear messages', async () => {
    await assert.rejects(renderFigure({ data: [], layout: {} }, { format: 'jpeg' as 'png' }), /format must be 'png' or 'svg'/);
    await assert.rejects(renderFigure({ data: [], layout: {} }, { scale: 0 }), /scale must be a positive number/);
    await assert.rejects(renderFigure({ data: [{ x: [1] }], layout: {} } as unknown as PlotlyFigure), /data\[0\] must be a trace object with a string "type"/);
  });

  test('save .png/.svg atomically into new nested folders', async () => {
    const dir = join(tempRoot, 'saved', 'a', 'b');
    const fig = barFigure([{ name: 'acc', categories: ['x', 'y'], values: [1, 2], errors: [0.1, 0.2] }]);
    await save(fig, join(dir, 'bars.png'), { scale: 1 });
    await save(fig, join(dir, 'bars.svg'));
    assert.deepEqual(readdirSync(dir).sort(), ['bars.png', 'bars.svg']);
    const info = inspectPng(readFileSync(join(dir, 'bars.png')));
    assert.deepEqual([info.width, info.height], [720, 440]);
    assert.match(readFileSync(join(dir, 'bars.svg'), 'utf8'), /^<svg/);
  });

  test('one display bundle per figure: PNG plus plotly MIME (or self-contained HTML), shown once', () => {
    const fig = lineFigure([{ name: 'a', y: [1, 2, 3] }], { title: 'Bundle' });
    const png = new Uint8Array([137, 80, 78, 71]);
    const mime = figureBundle(fig, png, '/x/bundle.png', 'mime');
    assert.deepEqual(Object.keys(mime.data).sort(), [PLOTLY_MIME, 'image/png', 'text/plain'].sort());
    assert.equal(mime.data['image/png'], Buffer.from(png).toString('base64'));
    const plotly = mime.data[PLOTLY_MIME] as { data: unknown[]; layout: { title?: unknown } };
    assert.deepEqual(plotly.data, fig.data);
    assert.deepEqual(mime.metadata, { 'image/png': { width: 720, height: 440 } });
    assert.ok(JSON.stringify(mime).length < 10_000, 'no plotly bundle in the default output');
    const html = figureBundle(fig, png, '/x/bundle.png', 'html');
    assert.deepEqual(Object.keys(html.data).sort(), ['image/png', 'text/html', 'text/plain']);
    // The HTML view defines Plotly itself (guarded), so it works as the page's only figure.
    assert.match(html.data['text/html'] as string, /if \(typeof window\.Plotly === 'undefined'\)/);
    assert.ok((html.data['text/html'] as string).length > 1_000_000);
    assert.deepEqual(Object.keys(figureBundle(fig, png, '/x', false).data).sort(), ['image/png', 'text/plain']);
    assert.equal(interactiveViewFromEnv({}), 'mime');
    assert.equal(interactiveViewFromEnv({ NAS_VIZ_INTERACTIVE: '0' }), false);
    assert.equal(interactiveViewFromEnv({ NAS_VIZ_INTERACTIVE: 'html' }), 'html');
    assert.equal(interactiveViewFromEnv({ NAS_VIZ_INTERACTIVE: 'yes' }), 'mime'); // with a warning naming the value
  });

  test('show outside a notebook saves the PNG under results/figures/<group> and logs the path', async (t) => {
    const env = process.env['NAS_RESULTS_DIR'];
    process.env['NAS_RESULTS_DIR'] = join(tempRoot, 'show-results');
    const logged: string[] = [];
    t.mock.method(console, 'log', (msg: string) => logged.push(msg));
    try {
      setFigureGroup('show test');
      await show(lineFigure([{ name: 'a', y: [1, 2, 3] }], { title: 'Line one' }));
      const expected = join(tempRoot, 'show-results', 'figures', 'show-test', 'line-one.png');
      assert.deepEqual(logged, [`figure saved: ${expected}`]);
      const info = inspectPng(readFileSync(expected));
      assert.deepEqual([info.width, info.height], [1440, 880], 'show saves at scale 2');
    } finally {
      if (env === undefined) delete process.env['NAS_RESULTS_DIR'];
      else process.env['NAS_RESULTS_DIR'] = env;
    }
  });

  test('show: a dense scatter whose 2x PNG would pass 1 MiB is saved at 1x; an explicit scale is kept', async (t) => {
    const env = process.env['NAS_RESULTS_DIR'];
    process.env['NAS_RESULTS_DIR'] = join(tempRoot, 'dense-results');
    t.mock.method(console, 'log', () => {});
    try {
      setFigureGroup('dense test');
      // 40,000 random points in random colours: measured ≈ 1.8 MB at 2x, ≈ 0.5 MB at 1x.
      const rng = createRng('dense-scatter');
      const n = 40_000;
      const fig = scatterFigure({ x: Array.from({ length: n }, () => rng()), y: Array.from({ length: n }, () => rng()), color: Array.from({ length: n }, () => rng()), title: 'Dense' });
      const twice = await renderFigure(fig, { format: 'png', scale: 2 });
      assert.ok(twice.length > MAX_DEFAULT_PNG_BYTES, `the 2x render is ${twice.length} bytes; the test needs a figure over the limit`);
      await show(fig);
      const saved = readFileSync(join(tempRoot, 'dense-results', 'figures', 'dense-test', 'dense.png'));
      assert.ok(saved.length <= MAX_DEFAULT_PNG_BYTES, `saved PNG is ${saved.length} bytes`);
      assert.deepEqual([inspectPng(saved).width, inspectPng(saved).height], [720, 440]);
      await show(fig, { scale: 2, saveAs: 'dense-2x' });
      assert.equal(inspectPng(readFileSync(join(tempRoot, 'dense-results', 'figures', 'dense-test', 'dense-2x.png'))).width, 1440);
    } finally {
      if (env === undefined) delete process.env['NAS_RESULTS_DIR'];
      else process.env['NAS_RESULTS_DIR'] = env;
    }
  });

  test('a script that renders and never calls closeRenderer still exits, and Chromium goes with it', () => {
    const script = join(tempRoot, 'no-close.mts');
    const renderModule = join(process.cwd(), 'src', 'viz', 'render.ts');
    writeFileSync(
      script,
      `import { readFileSync, readdirSync } from 'node:fs';\n` +
        `import { renderFigure } from ${JSON.stringify(renderModule)};\n` +
        `const png = await renderFigure({ data: [{ type: 'bar', x: ['a'], y: [1] }], layout: {} }, { width: 200, height: 100 });\n` +
        `// Direct children of this process (the browser), from /proc/<pid>/stat's 4th field.\n` +
        `const pids = readdirSync('/proc').filter((d) => /^\\d+$/.test(d)).filter((d) => {\n` +
        `  try { return Number(readFileSync('/proc/' + d + '/stat', 'utf8').split(') ')[1].split(' ')[1]) === process.pid; } catch { return false; }\n` +
        `}).map(Number);\n` +
        `console.log(JSON.stringify({ bytes: png.length, pids }));\n`,
    );
    const run = spawnSync(process.execPath, ['--import', 'tsx', script], { cwd: process.cwd(), encoding: 'utf8', timeout: 90_000 });
    assert.equal(run.error, undefined, `child did not exit by itself: ${run.error?.message}`);
    assert.equal(run.status, 0, run.stderr);
    const report = JSON.parse(run.stdout.trim().split('\n').pop()!) as { bytes: number; pids: number[] };
    assert.ok(report.bytes > 100);
    if (existsSync('/proc/self/stat')) assert.ok(report.pids.length >= 1, 'the child saw its browser process');
    for (const pid of report.pids) {
      assert.equal(isRunning(pid), false, `browser process ${pid} still running after its parent exited`);
    }
  });
});

describe('tables', () => {
  const rows = [
    { predictor: 'ReNAS', tau: 0.712345, acc: 93.4567, n: 424 },
    { predictor: 'MSE | L2', tau: 0.60129, acc: 91.2, n: 424 },
    { predictor: 'GCN', tau: 0.655, acc: 92.05, n: 1000 },
  ];

  test('numberFormats keeps ~4 significant digits of typical values and leaves integers alone', () => {
    assert.deepEqual(numberFormats(tableFromRows(rows)), { tau: { digits: 4 }, acc: { digits: 2 } });
    assert.deepEqual(numberFormats(tableFromRows(rows), 2), { tau: { digits: 2 }, acc: { digits: 0 } });
    assert.throws(() => numberFormats(tableFromRows(rows), 0), /digits must be an integer/);
  });

  test('tables show missing values (null, undefined, NaN) as — with a note, never "null" or "NaN"', () => {
    const md = tableToMarkdown([{ method: 'random', tau: null, best: 0.9312 }, { method: 'gcn', tau: 0.61234, best: NaN }, { method: 'x', best: 0.9 }]);
    assert.doesNotMatch(md, /null|NaN|undefined/);
    assert.equal((md.match(/—/g) ?? []).length, 4, md); // three cells plus the note
    assert.match(md, /0\.6123/);
    assert.match(md, /— = no value/);
    const html = tableToHtml([{ a: null, b: 1.5 }]);
    assert.match(html, /<td[^>]*>—<\/td>/);
    assert.doesNotMatch(tableToMarkdown([{ a: 1 }]), /no value/);
  });

  test('tableToMarkdown: GitHub table, right-aligned numbers, escaped pipes, sensible precision', () => {
    const md = tableToMarkdown(rows, { title: 'Kendall τ' });
    assert.equal(
      md,
      '**Kendall τ**\n\n' +
        '|predictor|tau|acc|n|\n' +
        '|:-|-:|-:|-:|\n' +
        '|ReNAS|0.7123|93.46|424|\n' +
        '|MSE \\| L2|0.6013|91.20|424|\n' +
        '|GCN|0.6550|92.05|1000|\n',
    );
  });

  test('tableToMarkdown: arquero input, column choice, explicit formats and a row limit note', () => {
    const md = tableToMarkdown(tableFromRows(rows), { columns: ['predictor', 'acc'], limit: 2, format: { acc: (v) => `${v}%` } });
    assert.equal(md, '|predictor|acc|\n|:-|-:|\n|ReNAS|93.4567%|\n|MSE \\| L2|91.2%|\n\n(showing the first 2 of 3 rows)\n');
    assert.throws(() => tableToMarkdown(rows, { columns: ['nope'] }), /no column "nope"/);
    assert.throws(() => tableToMarkdown([1, 2] as unknown as Record<string, unknown>[]), /row 0 must be a plain object/);
  });

  test('tableToHtml: an HTML table with formatted numbers and an escaped caption', () => {
    const html = tableToHtml(rows, { title: 'a < b' });
    assert.match(html, /^<p><strong>a &#60; b<\/strong><\/p>\n<table/);
    assert.match(html, />0\.7123</);
    assert.match(html, />93\.46</);
  });
});
