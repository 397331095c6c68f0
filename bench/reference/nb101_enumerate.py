"""Reference timing for bench/nb101-enumerate.ts: the official NAS-Bench-101
graph generator's procedure (nasbench/scripts/generate_graphs.py, without its
optional, much slower isomorphism verification), re-implemented with the same
numpy + hashlib operations: every bit pattern of every vertex count, every
valid matrix, every labelling hashed, the first graph per hash kept.

Prints one JSON line: counts per vertex count, the sha256 of the kept hashes in
generator order (one per line), and the wall and CPU seconds it took. Run:
    python3 bench/reference/nb101_enumerate.py [max_vertices]
"""
import hashlib
import itertools
import json
import sys
import time

import numpy as np

MAX_EDGES = 9
NUM_OPS = 3


def edge_matrix(bits, vertices):
    """Upper-triangular matrix of a bit pattern: edge (x, y), x < y, is bit x + y(y-1)/2."""
    def is_edge(x, y):
        x, y = int(x), int(y)  # numpy int8 coordinates; plain ints keep `bits >> index` exact under NumPy 2
        if x >= y:
            return 0
        return (bits >> (x + (y * (y - 1) // 2))) % 2 == 1
    return np.fromfunction(np.vectorize(is_edge), (vertices, vertices), dtype=np.int8)


def every_vertex_used(matrix):
    """No all-zero row but the output's, no all-zero column but the input's."""
    rows_bad = np.any(np.all(matrix[:-1, :] == 0, axis=1))
    cols_bad = np.any(np.all(matrix[:, 1:] == 0, axis=0))
    return not rows_bad and not cols_bad


def module_hash(matrix, labels):
    vertices = matrix.shape[0]
    in_degree = np.sum(matrix, axis=0).tolist()
    out_degree = np.sum(matrix, axis=1).tolist()
    hashes = [hashlib.md5(str(t).encode('utf-8')).hexdigest()
              for t in zip(out_degree, in_degree, labels)]
    for _ in range(vertices):
        updated = []
        for v in range(vertices):
            ins = sorted(hashes[w] for w in range(vertices) if matrix[w, v])
            outs = sorted(hashes[w] for w in range(vertices) if matrix[v, w])
            updated.append(hashlib.md5(
                (''.join(ins) + '|' + ''.join(outs) + '|' + hashes[v]).encode('utf-8')).hexdigest())
        hashes = updated
    return hashlib.md5(str(sorted(hashes)).encode('utf-8')).hexdigest()


def main():
    max_vertices = int(sys.argv[1]) if len(sys.argv) > 1 else 7
    start = time.time()
    cpu_start = time.process_time()
    buckets = {}
    counts = {}
    for vertices in range(2, max_vertices + 1):
        before = len(buckets)
        for bits in range(2 ** (vertices * (vertices - 1) // 2)):
            matrix = edge_matrix(bits, vertices)
            if not every_vertex_used(matrix) or np.sum(matrix) > MAX_EDGES:
                continue
            for labelling in itertools.product(*[range(NUM_OPS) for _ in range(vertices - 2)]):
                labels = [-1] + list(labelling) + [-2]
                fingerprint = module_hash(matrix, labels)
                if fingerprint not in buckets:
                    buckets[fingerprint] = (bits, labels)
        counts[vertices] = len(buckets) - before
    seconds = time.time() - start
    cpu_seconds = time.process_time() - cpu_start
    ordered = hashlib.sha256(''.join(h + '\n' for h in buckets).encode('ascii')).hexdigest()
    print(json.dumps({'counts': counts, 'total': len(buckets), 'order_sha256': ordered,
                      'seconds': seconds, 'cpu_seconds': cpu_seconds}))


if __name__ == '__main__':
    main()
