/**
 * The Tiny-NanoBench cell space of Siamese-NAS (arXiv 2210.00546): a cell is
 * a DAG of at most 7 nodes whose nodes are ops ("ops as nodes"), given as a
 * variable-size adjacency matrix and one op per node, node 0 `input` and the
 * last node `output`.
 *
 * Source of the vocabulary and the rules: D0352276/Siamese-NAS, train_eval.py
 * (`all_ops`, `max_nodes = 7`) and nanonas_model.py (how a cell runs). There,
 * nodes run in index order; a node sends its result to its first successor,
 * except `split`, which halves the channels and sends one half to each of its
 * first two successors; a node's inputs are concatenated. Hence the checks in
 * `nanoCellProblems`. Extra successors of a non-split node are ignored by that
 * code; they are allowed here because they still describe the file.
 */

/** Op vocabulary in Siamese-NAS order; position = the op's integer code and one-hot index there. */
export const NANO_OPS = [
  'input',
  'conv1x1-bn-relu',
  'conv3x3-bn-relu',
  'maxpool3x3',
  'none',
  'dwconv3x3',
  'conv1x1',
  'atten',
  'expand',
  'split',
  'output',
] as const;
export type NanoOp = (typeof NANO_OPS)[number];

export const NANO_MAX_NODES = 7;
export const NANO_MIN_NODES = 2;

export interface NanoCell {
  /** n x n 0/1 matrix, adjacency[i][j] = 1 for an edge i → j. */
  readonly adjacency: readonly (readonly number[])[];
  /** One op per node. */
  readonly ops: readonly NanoOp[];
}

/**
 * How integer op codes in a file map to op names: an array (code = index) or
 * an object keyed by the code (for negative codes such as NAS-Bench-101's
 * -1 input / -2 output). The default is `NANO_OPS`, the Siamese-NAS order.
 */
export type NanoOpCodes = readonly string[] | Readonly<Record<string, string>>;

export interface NanoCellProblem {
  /** Which part of the cell is wrong, named as the file field. */
  readonly field: 'adj_matrix' | 'operations';
  readonly message: string;
}

/** Decodes one op given as a name or an integer code; throws with what was wrong. */
export function nanoOpFromValue(value: unknown, opCodes: NanoOpCodes = NANO_OPS): NanoOp {
  let name: unknown = value;
  if (typeof value === 'number') {
    if (!Number.isInteger(value)) throw new Error(`op code ${value} is not an integer`);
    name = Array.isArray(opCodes) ? opCodes[value] : (opCodes as Record<string, string>)[String(value)];
    if (name === undefined) throw new Error(`op code ${value} is not in the op-code mapping ${JSON.stringify(opCodes)}`);
  }
  if (typeof name !== 'string') throw new Error(`op ${JSON.stringify(value)} is neither a name nor an integer code`);
  if (!(NANO_OPS as readonly string[]).includes(name)) {
    throw new Error(`unknown op ${JSON.stringify(name)}${name === value ? '' : ` (code ${value})`}; expected one of ${NANO_OPS.join(', ')}`);
  }
  return name as NanoOp;
}

/** Everything wrong with a cell, in the order a reader would fix it (empty when valid). */
export function nanoCellProblems(cell: { adjacency: readonly (readonly number[])[]; ops: readonly string[] }): NanoCellProblem[] {
  const problems: NanoCellProblem[] = [];
  const adj = (message: string): void => void problems.push({ field: 'adj_matrix', message });
  const ops = (message: string): void => void problems.push({ field: 'operations', message });
  const n = cell.ops.length;
  if (n < NANO_MIN_NODES || n > NANO_MAX_NODES) ops(`a cell has ${NANO_MIN_NODES}..${NANO_MAX_NODES} nodes, got ${n}`);
  if (cell.adjacency.length !== n) adj(`is ${cell.adjacency.length}x${cell.adjacency.length} but there are ${n} operations`);
  cell.adjacency.forEach((row, i) => {
    if (row.length !== cell.adjacency.length) adj(`row ${i} has ${row.length} entries, expected ${cell.adjacency.length}`);
    row.forEach((x, j) => {
      if (x !== 0 && x !== 1) adj(`entry [${i}][${j}] is ${JSON.stringify(x)}, expected 0 or 1`);
    });
  });
  cell.ops.forEach((op, i) => {
    if (!(NANO_OPS as readonly string[]).includes(op)) ops(`node ${i} has unknown op ${JSON.stringify(op)}`);
  });
  if (problems.length > 0) return problems;

  if (cell.ops[0] !== 'input') ops(`node 0 must be "input", got ${JSON.stringify(cell.ops[0])}`);
  if (cell.ops[n - 1] !== 'output') ops(`the last node must be "output", got ${JSON.stringify(cell.ops[n - 1])}`);
  cell.ops.forEach((op, i) => {
    if (op === 'input' && i !== 0) ops(`"input" may only be node 0, found at node ${i}`);
    if (op === 'output' && i !== n - 1) ops(`"output" may only be the last node, found at node ${i}`);
  });
  const successors = cell.adjacency.map((row) => row.flatMap((x, j) => (x === 1 ? [j] : [])));
  successors.forEach((succ, i) => {
    for (const j of succ) {
      // Index order is execution order, so an edge must point forward; this also rules out cycles.
      if (j <= i) adj(`edge ${i}->${j} does not point to a later node (nodes run in index order; the matrix must be strictly upper-triangular)`);
    }
  });
  for (let i = 0; i < n; i++) {
    const hasSucc = successors[i]!.length > 0;
    const hasPred = successors.some((succ) => succ.includes(i));
    if (i < n - 1 && !hasSucc) adj(`node ${i} (${cell.ops[i]}) has no outgoing edge`);
    if (i > 0 && !hasPred) adj(`node ${i} (${cell.ops[i]}) has no incoming edge`);
    if (i === n - 1 && hasSucc) adj(`the output node ${i} has an outgoing edge`);
    if (cell.ops[i] === 'split' && successors[i]!.length < 2) adj(`split node ${i} needs at least 2 successors, has ${successors[i]!.length}`);
  }
  return problems;
}

/** Returns the cell if valid; otherwise throws listing every problem. */
export function validateNanoCell(cell: NanoCell): NanoCell {
  const problems = nanoCellProblems(cell);
  if (problems.length > 0) {
    throw new Error(`invalid Tiny-NanoBench cell: ${problems.map((p) => `${p.field}: ${p.message}`).join('; ')}`);
  }
  return cell;
}

/** A canonical text key of a cell (same matrix and ops → same key). */
export function nanoCellKey(cell: NanoCell): string {
  return `${cell.adjacency.map((row) => row.join('')).join('-')}|${cell.ops.join(',')}`;
}
