"""Benchmark: build the Image2Audio feature graph (img2audio.graph.build_graph) and run reliability paths.

Random clustered features (d=96, 9 Gaussian clusters ~ 9 emotion classes, centres 3x the noise scale) at
N = 7,442 (CREMA-D's clip count) and N = 100,000.  Prints wall-clock and CPU seconds per step; targets:
graph over 7,442 nodes <= 2 s, over 100,000 nodes <= 60 s, reliability paths over 2,000 nodes well under 1 s.
A benchmark, not a test: timings depend on the machine and its load.

Usage: python benchmarks/bench_graph.py [--sizes 7442 100000] [--reps 1]
"""
import argparse, time
import numpy as np, torch
from img2audio.graph import build_graph, reliability_paths

def clustered(n, d=96, k=9, seed=0):
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(k, d)) * 3
    y = rng.integers(0, k, n)
    return (centres[y] + rng.normal(size=(n, d))).astype(np.float32), y

def timed(fn):
    t, c = time.perf_counter(), time.process_time()
    out = fn()
    return out, time.perf_counter() - t, time.process_time() - c

if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--sizes', type=int, nargs='+', default=[7442, 100000])
    ap.add_argument('--reps', type=int, default=1)
    a = ap.parse_args()
    print(f'torch threads: {torch.get_num_threads()}')
    for n in [2000] + a.sizes:
        x, y = clustered(n)
        best = None
        for _ in range(a.reps):
            g, wall, cpu = timed(lambda: build_graph(x))
            best = (wall, cpu) if best is None or wall < best[0] else best
        lab = np.full(n, -1); rng = np.random.default_rng(1)
        lab[rng.choice(n, max(9, n // 10), replace=False)] = 0
        known = lab >= 0; lab[known] = y[known]
        r, rwall, rcpu = timed(lambda: reliability_paths(g, lab, n_classes=9))
        acc = (r.labels[r.new] == y[r.new]).mean() if len(r.new) else float('nan')
        print(f'N={n:>7,} d=96: build_graph {best[0]:6.2f} s wall ({best[1]:6.2f} s CPU), {g.n_edges:,} edges, '
              f'mean degree {g.degree.mean():.1f}; reliability_paths {rwall:5.2f} s wall ({rcpu:5.2f} s CPU), '
              f'{len(r.new):,} nodes labelled, {acc:.3f} correct')
