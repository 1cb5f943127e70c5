"""Where the time of a FixMatch and a distillation run goes, step by step, and their projected CPU-schedule wall time.

    python benchmarks/bench_references.py [--dataset synthetic|ravdess] [--data-dir /path/to/ravdess]
        [--au-dir /path/to/ravdess_aus] [--steps 12] [--threads 2]

Times `--steps` optimiser steps of each method's loss (same batches, one process, interleaved) split into its parts
(FixMatch: the weak no-grad pass, the strong augmentation, the labelled + strong forward/backward; distillation: the
labelled + unlabelled forward/backward) beside one step of the Base recipe, then the teacher and one diagnostics pass,
and projects a whole run of the default schedule from them. Ratios are to the Base step measured in the same run.
"""
import argparse, time
import numpy as np, torch, torch.nn.functional as F
from img2audio.base import SpecCNN, SpecAugment, predict
from img2audio.runs import load_experiment_data, run_split
from img2audio.semi import StrongAugment
from img2audio.fixmatch import FixMatchOptions, SCHEDULES
from img2audio.distill import DistillOptions, teacher_targets

p = argparse.ArgumentParser()
p.add_argument('--dataset', default='synthetic')
p.add_argument('--data-dir', default=None)
p.add_argument('--au-dir', default=None)
p.add_argument('--steps', type=int, default=12)
p.add_argument('--threads', type=int, default=0)
a = p.parse_args()
if a.threads: torch.set_num_threads(a.threads)
data = load_experiment_data(a.dataset, a.data_dir, au_dir=a.au_dir, device='cpu', need_pool=False)
sp = run_split(data, {'seed': 0, 'fold': 0})
du = np.concatenate([sp['S2'], sp['S3']])
K, B = len(data.classes), 32
mu_fm = SCHEDULES['cpu']['mu']
print(f'torch {torch.__version__}, {torch.get_num_threads()} threads, {a.dataset}: {len(sp["S1"])} S1 clips, '
      f'{len(du)} D_u clips, {K} classes')
g = torch.Generator().manual_seed(0)
weak, strong = SpecAugment().train(), StrongAugment().train()
net = SpecCNN(K).train()
opt = torch.optim.AdamW(net.parameters(), lr=1e-3)
parts = {k: [] for k in ('base step', 'fixmatch weak pass', 'fixmatch strong aug', 'fixmatch fwd/bwd',
                         'distill fwd/bwd')}

def timed(name, fn):
    t0 = time.perf_counter()
    out = fn()
    parts[name].append(time.perf_counter() - t0)
    return out

def step(loss):
    opt.zero_grad(set_to_none=True)
    loss.backward()
    opt.step()

for s in range(a.steps + 1):
    xl = weak(data.specs[sp['S1'][:B]], g)
    yl = data.labels[sp['S1'][:B]]
    xu = data.specs[du[(np.arange(mu_fm * B) + s * B) % len(du)]]
    timed('base step', lambda: step(F.cross_entropy(net(xl), yl)))
    with torch.no_grad(): q = timed('fixmatch weak pass', lambda: F.softmax(net(weak(xu, g)), 1))
    xs = timed('fixmatch strong aug', lambda: strong(xu, g))
    timed('fixmatch fwd/bwd', lambda: step(F.cross_entropy(net(torch.cat([xl, xs])), torch.cat([yl, q.argmax(1)]))))
    xk = weak(xu[:B], g)
    timed('distill fwd/bwd', lambda: step(F.cross_entropy(net(torch.cat([xl, xk])), torch.cat([yl, yl]))))
med = {k: float(np.median(v[1:])) for k, v in parts.items()}           # the first step warms up
base = med['base step']
fm = med['fixmatch weak pass'] + med['fixmatch strong aug'] + med['fixmatch fwd/bwd']
kd = med['distill fwd/bwd']
print(f'\nper step (median of {a.steps}, ms; ratio to the Base step):')
for k, v in med.items(): print(f'  {k:22s} {1000 * v:8.1f}   x{v / base:.2f}')
print(f'  {"fixmatch step (sum)":22s} {1000 * fm:8.1f}   x{fm / base:.2f}')
t0 = time.perf_counter()
predict(net, data.specs[du])
diag = time.perf_counter() - t0
print(f'one diagnostics pass over D_u: {diag:.2f} s')
if data.aus is not None or data.faces is not None:
    t0 = time.perf_counter()
    _, rep = teacher_targets(data, sp, DistillOptions(), 0)
    print(f'teacher ({rep["teacher_face_side"]}): {time.perf_counter() - t0:.2f} s, '
          f'accuracy S4 {rep["teacher_s4_acc"]:.3f}, D_u {rep["teacher_du_acc"]:.3f}')
fo, do = FixMatchOptions(), DistillOptions()
n_fm, n_kd = SCHEDULES['cpu']['steps'], do.steps
print(f'\nprojected method time of the default schedules (steps x step + diagnostics every {fo.eval_every} steps):')
print(f'  base     {240 * base:7.0f} s (240 steps)')
print(f'  fixmatch {n_fm * fm + n_fm / fo.eval_every * diag:7.0f} s ({n_fm} steps, mu={mu_fm})   '
      f'x{(n_fm * fm) / (240 * base):.2f} Base')
print(f'  distill  {n_kd * kd + n_kd / do.eval_every * diag:7.0f} s ({n_kd} steps, mu={do.mu})   '
      f'x{(n_kd * kd) / (240 * base):.2f} Base')
