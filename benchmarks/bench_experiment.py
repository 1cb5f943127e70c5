"""Where the time of a default experiment goes, and the speed-up of a cached second run over a cold one (same process).

    python benchmarks/bench_experiment.py [--dataset synthetic|ravdess] [--data-dir DIR] [--epochs N]

Prints seconds for: corpus generation/loading, features, training per epoch, evaluation; then cold vs cached data loading.
"""
import argparse, json, tempfile, time
from pathlib import Path
import torch
from img2audio.experiment import run_experiment
from img2audio.runs import load_experiment_data

p = argparse.ArgumentParser(); p.add_argument('--dataset', default='synthetic'); p.add_argument('--data-dir', default=None)
p.add_argument('--epochs', type=int, default=40); p.add_argument('--threads', type=int, default=0)
a = p.parse_args()
if a.threads: torch.set_num_threads(a.threads)
print(f'torch {torch.__version__}, {torch.get_num_threads()} threads, dataset {a.dataset}')
with tempfile.TemporaryDirectory() as d:
    kw = dict(dataset=a.dataset, data_dir=a.data_dir, cache_dir=f'{d}/cache', device='cpu', need_pool=False)
    t0 = time.perf_counter(); cold = load_experiment_data(**kw); t_cold = time.perf_counter() - t0
    t0 = time.perf_counter(); warm = load_experiment_data(**kw); t_warm = time.perf_counter() - t0
    assert torch.equal(cold.specs, warm.specs) and warm.cache_hit and not cold.cache_hit
    print(f'clips: {len(cold.labels)}')
    for k, v in cold.timings.items(): print(f'  cold {k:12s} {v:7.2f} s')
    print(f'data cold (generate/load + features + cache write): {t_cold:6.2f} s')
    print(f'data from cache:                                    {t_warm:6.2f} s   speed-up x{t_cold / t_warm:.1f}')
    t0 = time.perf_counter()
    m = run_experiment(dataset=a.dataset, data_dir=a.data_dir, epochs=a.epochs, device='cpu', out_dir=f'{d}/run', cache_dir=f'{d}/cache', progress=False)
    total = time.perf_counter() - t0
    h = json.loads(Path(d, 'run', 'history.json').read_text()); t = json.loads(Path(d, 'run', 'timings.json').read_text())
    ep = [r['seconds'] for r in h]
    n_train = round(len(cold.labels) / 4)
    print(f'training: {len(ep)} epochs on ~{n_train} clips (S1), {sum(ep)/len(ep):.2f} s/epoch (median {sorted(ep)[len(ep)//2]:.2f} s)')
    print(f'evaluation + figures + writing: {t["method"] - sum(ep) + (total - t["method"] - t["load_and_features"]):.2f} s')
    print(f'whole cached run: {total:.1f} s; accuracy {m["accuracy"]:.4f}, UAR {m["uar"]:.4f} on {m["n_test"]} test clips')
