/**
 * The NAS-Bench-201 cell space (Dong & Yang, ICLR 2020): 4 nodes, 6 edges,
 * each edge one of 5 ops; node j sums its incoming edges. 5^6 = 15,625 cells.
 */

/** Candidate ops in the benchmark's canonical order (index = op code used everywhere here). */
export const NB201_OPS = ['none', 'skip_connect', 'nor_conv_1x1', 'nor_conv_3x3', 'avg_pool_3x3'] as const;
export type Nb201Op = (typeof NB201_OPS)[number];

/** The 6 edges as [from, to], in arch-string order: 0->1, 0->2, 1->2, 0->3, 1->3, 2->3. */
export const NB201_EDGES: readonly (readonly [number, number])[] = [
  [0, 1],
  [0, 2],
  [1, 2],
  [0, 3],
  [1, 3],
  [2, 3],
];
export const NB201_NUM_EDGES = 6;
export const NB201_NUM_OPS = NB201_OPS.length;
export const NB201_SPACE_SIZE = NB201_NUM_OPS ** NB201_NUM_EDGES;

/** A cell: the op index (into `NB201_OPS`) of each edge, in arch-string order. */
export type Nb201Arch = readonly number[];

export function validateNb201Arch(arch: Nb201Arch): Nb201Arch {
  if (arch.length !== NB201_NUM_EDGES) {
    throw new Error(`NAS-Bench-201 arch must have ${NB201_NUM_EDGES} edge ops, got ${arch.length}: ${JSON.stringify(arch)}`);
  }
  arch.forEach((op, e) => {
    if (!Number.isInteger(op) || op < 0 || op >= NB201_NUM_OPS) {
      throw new Error(`NAS-Bench-201 arch edge ${e} has op ${JSON.stringify(op)}; expected an integer in 0..${NB201_NUM_OPS - 1}`);
    }
  });
  return arch;
}

/** `|op~0|+|op~0|op~1|+|op~0|op~1|op~2|` */
export function nb201ToString(arch: Nb201Arch): string {
  validateNb201Arch(arch);
  const name = (e: number): string => `${NB201_OPS[arch[e]!]}~${NB201_EDGES[e]![0]}`;
  return `|${name(0)}|+|${name(1)}|${name(2)}|+|${name(3)}|${name(4)}|${name(5)}|`;
}

export function nb201FromString(text: string): Nb201Arch {
  const nodes = text.split('+');
  const ops: number[] = [];
  const fail = (why: string): never => {
    throw new Error(`not a NAS-Bench-201 arch string (${why}): ${JSON.stringify(text)}`);
  };
  if (nodes.length !== 3) fail('expected 3 nodes separated by "+"');
  nodes.forEach((node, j) => {
    const parts = node.split('|').filter((p) => p !== '');
    if (parts.length !== j + 1) fail(`node ${j + 1} must have ${j + 1} inputs`);
    parts.forEach((part, i) => {
      const [op, from] = part.split('~');
      const code = NB201_OPS.indexOf(op as Nb201Op);
      if (code < 0) fail(`unknown op ${JSON.stringify(op)}`);
      if (Number(from) !== i) fail(`input ${i} of node ${j + 1} is marked ~${from}`);
      ops.push(code);
    });
  });
  return validateNb201Arch(ops);
}

/** Position of an arch in base-5 order of its edge ops (edge 0 most significant); not the benchmark's own index. */
export function nb201Ordinal(arch: Nb201Arch): number {
  validateNb201Arch(arch);
  return arch.reduce((acc, op) => acc * NB201_NUM_OPS + op, 0);
}

export function nb201FromOrdinal(ordinal: number): Nb201Arch {
  if (!Number.isInteger(ordinal) || ordinal < 0 || ordinal >= NB201_SPACE_SIZE) {
    throw new Error(`NAS-Bench-201 ordinal must be an integer in 0..${NB201_SPACE_SIZE - 1}, got ${ordinal}`);
  }
  const ops = new Array<number>(NB201_NUM_EDGES);
  for (let e = NB201_NUM_EDGES - 1; e >= 0; e--) {
    ops[e] = ordinal % NB201_NUM_OPS;
    ordinal = Math.floor(ordinal / NB201_NUM_OPS);
  }
  return ops;
}

/** Spellings of op names in released NAS-Bench-201 files: the cell JSONs write `zeros` for `none`. */
const NB201_OP_ALIASES: Readonly<Record<string, Nb201Op>> = { zeros: 'none' };

/** The op index of an op name as written in NAS-Bench-201 files (`none` or its alias `zeros`); -1 if unknown. */
export function nb201OpIndex(name: string): number {
  const canonical = NB201_OP_ALIASES[name] ?? name;
  return NB201_OPS.indexOf(canonical as Nb201Op);
}

/**
 * Whether the cell input reaches the cell output through edges other than
 * `none`. A disconnected cell outputs zeros (the network then learns only
 * through the residual reduction blocks); on CIFAR-10 all such cells score
 * exactly 10 % (chance), which is how the edge order of the data files is checked.
 */
export function nb201IsConnected(arch: Nb201Arch): boolean {
  validateNb201Arch(arch);
  const none = NB201_OPS.indexOf('none');
  const reached = [true, false, false, false];
  NB201_EDGES.forEach(([from, to], e) => {
    // Edges are listed in order of their target node, so every source is settled before use.
    if (arch[e] !== none && reached[from]) reached[to] = true;
  });
  return reached[3]!;
}

/** The three NAS-Bench-201 datasets, by the names this project uses. */
export const NB201_DATASETS = ['cifar10', 'cifar100', 'imagenet16'] as const;
export type Nb201Dataset = (typeof NB201_DATASETS)[number];
