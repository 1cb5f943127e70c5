"""Where the time of a CT-GAN run goes, per setup and per epoch: discriminator step, generator step, CT pass.

    OMP_NUM_THREADS=1 python benchmarks/bench_ctgan.py [--n-actors 12] [--epochs 2] [--face aus|image] [--schedule cpu]

On the synthetic corpus (12 actors = 720 clips, RAVDESS 1-12's size); `--face aus` replaces the face images by a random
(N,35) action-unit table, the shape of real RAVDESS's face side (the MLP branch). The CT pass is the second dropout
forward pass (its backward is inside the D step). Extrapolates one `schedule` run's training time.
"""
import argparse, time
import numpy as np, torch
from img2audio.experiment import load_experiment_data
from img2audio.splits import split_indices
from img2audio.ctgan import SETUPS, MULTIMODAL, SCHEDULES, run_setup, carve_validation

p = argparse.ArgumentParser()
p.add_argument('--n-actors', type=int, default=12); p.add_argument('--epochs', type=int, default=2)
p.add_argument('--face', default='aus', choices=('aus', 'image'))
p.add_argument('--schedule', default='cpu', choices=tuple(SCHEDULES))
p.add_argument('--setups', default=','.join(SETUPS))
a = p.parse_args()
print(f'torch {torch.__version__}, {torch.get_num_threads()} threads, synthetic corpus {a.n_actors} actors, '
      f'face side: {a.face}')
d = load_experiment_data('synthetic', n_actors=a.n_actors, need_pool=False, cache_dir=False)
face = torch.randn(len(d.labels), 35) if a.face == 'aus' else d.faces
sp = split_indices(d.meta, 0)
tr, va = carve_validation(d.meta, sp['S1'], 1, 0)
idx = {'train': tr, 'unlab': np.concatenate([sp['S2'], sp['S3']]), 'val': va, 'test': sp['S4']}
print(f"clips: train {len(tr)}, unlabelled {len(idx['unlab'])}, val {len(va)}, test {len(sp['S4'])}")
sched = {**SCHEDULES[a.schedule], 'epochs': a.epochs, 'finetune_epochs': 1}
print(f"{'setup':8s} {'epoch':>5s} {'D step':>8s} {'(CT)':>8s} {'G step':>8s} {'epoch s':>8s}  -> {a.schedule} preset")
for s in a.setups.split(','):
    xs = [d.specs, face] if s in MULTIMODAL else [d.specs]
    t0 = time.perf_counter()
    out = run_setup(s, xs, d.labels, idx, sched, seed=0)
    for h in out['history']:
        print(f"{s:8s} {h['epoch']:5d} {h['t_d']:8.2f} {h.get('t_ct', 0):8.2f} {h.get('t_g', 0):8.2f} "
              f"{h['seconds']:8.2f}"
              + ('  (fine-tune)' if h.get('stage') == 'finetune' else ''))
    main = [h['seconds'] for h in out['history'] if h.get('stage') != 'finetune']
    ft = [h['seconds'] for h in out['history'] if h.get('stage') == 'finetune']
    sc = SCHEDULES[a.schedule]
    est = np.mean(main) * sc['epochs'] + (np.mean(ft) * sc['finetune_epochs'] if ft else 0)
    print(f"{s:8s} total {time.perf_counter() - t0:.1f}s for {len(out['history'])} epochs; "
          f"a {a.schedule} run (~{SCHEDULES[a.schedule]['epochs']} epochs) trains in ~{est:.0f}s")
