"""Translator training throughput (samples/s: faces + spectrograms per alternating update), on the CPU and, when
PyTorch sees one, on CUDA, for six paths measured in one run:
- first path: joint real+fake batches through Dis_t, Dis_t run on the real batch again in the generator update,
  IWAE ranking inside every step, the module's default sizes, contiguous (NCHW) convolutions;
- lean path (issue 5; the 430 ms that issue 11 asked to make 3x faster): separate real/fake passes, no redundant Dis_t
  pass, ranking once per round outside the step, Image2Audio's translator sizes;
- channels-last + pool first: the lean path with channels-last convolutions and Dis_t's blocks pooling before the ReLU
  (the same function on a quarter of the elements);
- now: that, with batch norm folded into the convolutions in Dis_t's two passes on translations (`fold_bn`) and one fused
  Adam kernel per update (`fused_adam`): the same function, up to rounding; Image2Audio's default;
- now + bf16: the same under bfloat16 autocast (`precision='bf16'`; fast where the CPU has AMX, or on a GPU);
- now + bf16, 2x batch: the same with twice the batch per step (and, in the quality check, half the steps).
The first and lean paths run Dis_t with the old block order (ReLU, then max-pool), as they did when they were measured,
and neither folds batch norm nor fuses Adam. Each path is timed `--reps` times, interleaved, and its fastest repetition is
kept (a shared machine only slows a path down). Channels-last, the block order, folding and fused Adam change the work,
not the maths. bfloat16 and the batch do change what is learnt, so `--quality N` trains the lean path, 'now' and
'now + bf16' for N paired updates of 24, and the 2x batch path for N/2 updates of 48 (the same samples), on the synthetic
corpus (12 actors, fold 0, the setting of 12_image2audio's class-dependence test, Image2Audio's sizes), and prints each
one's training seconds and the independent judge's accuracy on translations of the faces of actors the translator never
saw (chance 1/8), per seed and averaged.
Usage: python benchmarks/bench_translator.py [--batch 16] [--steps 10] [--reps 2] [--quality 0] [--quality-seeds 0]"""
import argparse, time
import numpy as np, torch, torch.nn as nn
from img2audio.base import SpecCNN
from img2audio.translator import Translator, TranslatorTrainer, LossWeights
from img2audio.image2audio import Image2AudioConfig


def sizes():
    c = Image2AudioConfig()
    return dict(channels=c.channels, hidden=c.hidden, latent=c.latent, dis_t_channels=c.dis_channels)


def old_dis_t(n_out, channels=(16, 32, 64, 96)):
    "SpecCNN with its blocks in the old order, ReLU then max-pool (the same function, more work)."
    net = SpecCNN(n_out, channels)
    net.body = nn.Sequential(*[nn.Sequential(b[0], b[1], nn.ReLU(inplace=True), nn.MaxPool2d(2)) for b in net.body])
    return net


def paths():
    "name: (Translator sizes, trainer options, eps, batch multiplier, old Dis_t block order)."
    plain = dict(fold_bn=False, fused_adam=False)
    first, lean = dict(lean=False, channels_last=False, **plain), dict(channels_last=False, **plain)
    return {'first path (lean=False, ranking in every step, eps=0.5)': (dict(), first, 0.5, 1, True),
            'lean path (issue 5: lean=True, eps=0 in the step)': (sizes(), lean, 0.0, 1, True),
            'channels-last + pool first (lean, channels-last, pool before ReLU)': (sizes(), plain, 0.0, 1, False),
            'now (+ folded batch norm, fused Adam)': (sizes(), dict(), 0.0, 1, False),
            'now + bf16 (precision=bf16)': (sizes(), dict(precision='bf16'), 0.0, 1, False),
            'now + bf16, 2x batch': (sizes(), dict(precision='bf16'), 0.0, 2, False)}


def translator(K, kw, old):
    "A Translator of sizes `kw`; with old=True its Dis_t has the old block order."
    dis = old_dis_t(K + 1, kw.get('dis_t_channels', (16, 32, 64, 96))) if old else None
    return Translator(K, dis_t=dis, **kw)


def bench(dev, batch, steps, kw, tkw, eps, mult=1, old=False):
    "Seconds per step of `batch * mult` faces + spectrograms."
    batch = batch * mult
    torch.manual_seed(0)
    t = TranslatorTrainer(translator(8, kw, old), device=dev, **tkw)
    f = torch.rand(batch, 1, 64, 64, device=dev) * 2 - 1
    a = torch.rand(batch, 1, 64, 156, device=dev) * 2 - 1
    y = torch.randint(0, 8, (batch,), device=dev)
    for _ in range(2): t.step(f, y, a, y, eps=eps)
    if dev.type == 'cuda': torch.cuda.synchronize()
    t0 = time.perf_counter()
    for _ in range(steps): t.step(f, y, a, y, eps=eps)
    if dev.type == 'cuda': torch.cuda.synchronize()
    return (time.perf_counter() - t0) / steps


def quality_paths(n_steps):
    "name: (trainer options, batch, steps, old Dis_t block order) of the quality check."
    return {'lean path': (dict(channels_last=False, fold_bn=False, fused_adam=False), 24, n_steps, True),
            'now': (dict(), 24, n_steps, False),
            'now + bf16': (dict(precision='bf16'), 24, n_steps, False),
            'now + bf16, 2x batch': (dict(precision='bf16'), 48, n_steps // 2, False)}


def quality(n_steps:int, dev, seeds=(0,)):
    "Judge accuracy on unseen actors' translations, and training seconds, of each quality path (same samples seen)."
    from torch.utils.data import DataLoader, TensorDataset
    from img2audio.runs import load_experiment_data, run_split
    from img2audio.base_method import judge_network
    from img2audio.base import predict
    from img2audio.translator import fit_translator
    d = load_experiment_data('synthetic', n_actors=12, need_pool=False)
    res = {}
    for seed in seeds:
        sp = run_split(d, dict(seed=seed, fold=0))
        judge, _ = judge_network(d, sp, dict(seed=seed))
        s1, du = sp['S1'], np.r_[sp['S2'], sp['S3']]
        pairs = TensorDataset(d.faces[s1], d.labels[s1], d.specs[s1], d.labels[s1])
        for name, (tkw, batch, steps, old) in quality_paths(n_steps).items():
            torch.manual_seed(seed)
            m = translator(len(d.classes), sizes(), old)
            t = TranslatorTrainer(m, LossWeights(cls=5.0), lr=1e-3, dis_lr=3e-4, align=5.0, device=dev, **tkw)
            loader = DataLoader(pairs, batch_size=batch, shuffle=True, generator=torch.Generator().manual_seed(seed))
            t0 = time.perf_counter()
            fit_translator(t, loader, n_steps=steps, paired=True, progress=False)
            secs = time.perf_counter() - t0
            m.eval()
            with torch.no_grad():
                x = torch.cat([m.translate_f2a(d.faces[du][i:i + 128].to(dev)).float().cpu()
                               for i in range(0, len(du), 128)])
            acc = float((predict(judge, x).argmax(1).numpy() == d.labels[du].numpy()).mean())
            res.setdefault(name, []).append((secs, acc))
            print(f"quality device={dev.type} seed={seed} {name}: {steps} paired updates of {batch} in {secs:.0f}s, "
                  f"judge accuracy {acc:.3f} on {len(du)} translations of unseen actors' faces (chance 0.125)",
                  flush=True)
    (t_lean, _), = [np.mean(v, 0) for k, v in res.items() if k == 'lean path']
    for name, v in res.items():
        secs, acc = np.mean(v, 0)
        print(f"quality device={dev.type} {name}: mean over {len(seeds)} seed(s) {secs:.0f}s, "
              f"judge accuracy {acc:.3f}; "
              f"{t_lean / secs:.2f}x faster than the lean path for the same samples", flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--batch', type=int, default=16)
    ap.add_argument('--steps', type=int, default=10)
    ap.add_argument('--reps', type=int, default=2)
    ap.add_argument('--quality', type=int, default=0,
                    help='paired updates of 24 per path for the quality check (0: none)')
    ap.add_argument('--quality-seeds', type=int, nargs='+', default=[0],
                    help='seeds (and folds 0) of the quality check')
    a = ap.parse_args()
    devs = [torch.device('cpu')] + ([torch.device('cuda')] if torch.cuda.is_available() else [])
    for dev in devs:
        steps = a.steps if dev.type == 'cuda' else max(a.steps // 2, 2)
        res = {}
        for _ in range(a.reps):                                   # interleaved repetitions, fastest kept
            for name, p in paths().items():                       # seconds per 16 + 16 (a 2x batch path: halved)
                res[name] = min(res.get(name, float('inf')), bench(dev, a.batch, steps, *p) / p[3])
        for name, dt in res.items():
            print(f"device={dev.type:4s} threads={torch.get_num_threads()} {name}: {dt*1000:8.1f} ms per "
                  f"{a.batch}+{a.batch}  {2 * a.batch / dt:8.1f} samples/s", flush=True)
        first, lean = list(res.values())[:2]
        print(f"device={dev.type}: speed-up over the lean path (the issue's baseline) / over the first path: "
              + '; '.join(f"{n.split(' (')[0]} {lean / dt:.2f}x / {first / dt:.2f}x" for n, dt in res.items()),
              flush=True)
        if a.quality: quality(a.quality, dev, a.quality_seeds)


if __name__ == '__main__': main()
