"""Translator training throughput (samples/s: faces + spectrograms per alternating update), on the CPU and, when
PyTorch sees one, on CUDA, for seven paths measured in one run:
- first path: the original step with IWAE ranking inside every step (eps=0.5) and the module's default sizes;
- original step (the baseline of the "3x faster" goal): the step as it was when it was first timed (430 ms):
  joint real+fake batches through Dis_t (shared batch norm), Dis_t run on the real batch again in the generator update,
  contiguous (NCHW) convolutions, plain Adam, eps=0; here with Image2Audio's translator sizes (the model it trains);
- lean path: separate real/fake passes (batch norm from real data only), no redundant Dis_t pass, ranking once per round
  outside the step;
- channels-last + pool first: the lean path with channels-last convolutions and Dis_t's blocks pooling before the ReLU
  (the same function on a quarter of the elements);
- now: that, with batch norm folded into the convolutions in Dis_t's two passes on translations (`fold_bn`) and one
  fused Adam kernel per update (`fused_adam`): the same function up to rounding; Image2Audio's default;
- now + bf16: the same under bfloat16 autocast (`precision='bf16'`; fast where the CPU has AMX, or on a GPU);
- now + bf16, 2x batch: the same with twice the batch per step.
The first three paths run Dis_t with the old block order (ReLU, then max-pool), as they did when they were measured, and
fold nothing and fuse nothing. Each path is timed `--reps` times, interleaved, and its fastest repetition is kept (a
shared machine only slows a path down). Channels-last, the block order, folding and fused Adam change the work, not the
maths; the lean step, bfloat16 and the batch do change what is learnt. So `--quality N` trains the original step,
'now' and 'now + bf16' for N paired updates of 24, and the 2x batch path for N/2 updates of 48 (the same samples), on
the synthetic corpus (12 actors, fold 0, the setting of 12_image2audio's class-dependence test, Image2Audio's sizes). At
`--quality-checks` evenly spaced points it asks an independent judge to classify translations of the faces of actors the
translator never saw (chance 1/8). It prints each curve, then, on the curves averaged over `--quality-seeds`: each
path's final accuracy and its speed-up for the same samples, and its speed-up to equal quality: the training seconds the
original step needs to reach its own final mean accuracy, over the seconds the path needs to first reach it.
Usage: python benchmarks/bench_translator.py [--batch 16] [--steps 10] [--reps 2] [--quality 0] [--quality-seeds 0]
       [--quality-checks 8]"""
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


class BaselineTrainer(TranslatorTrainer):
    "The library's trainer plus this benchmark's copy of earlier paths: joint Dis_t batches, NCHW convolutions."
    def __init__(self, model, *args, lean:bool=True, channels_last:bool=True, **kw):
        super().__init__(model, *args, **kw)
        self.lean = lean
        if not channels_last: self.model.to(memory_format=torch.contiguous_format)

    def _dis_t_logits(self, specs, fakes):
        if self.lean: return super()._dis_t_logits(specs, fakes)
        lg = self.model.dis_t(torch.cat([specs, fakes]))
        return lg[:len(specs)], lg[len(specs):]

    def _translations_logits(self, specs, f2a):
        if self.lean: return super()._translations_logits(specs, f2a)
        return self.model.dis_t(torch.cat([specs, f2a]))[len(specs):]


ORIGINAL_STEP = dict(lean=False, channels_last=False, fold_bn=False, fused_adam=False)


def paths():
    "name: (Translator sizes, trainer options, eps, batch multiplier, old Dis_t block order)."
    plain = dict(fold_bn=False, fused_adam=False)
    lean = dict(channels_last=False, **plain)
    return {'first path (lean=False, ranking in every step, eps=0.5)': (dict(), ORIGINAL_STEP, 0.5, 1, True),
            'original step (lean=False, eps=0: the step first timed)': (sizes(), ORIGINAL_STEP, 0.0, 1, True),
            'lean path (lean=True, eps=0 in the step)': (sizes(), lean, 0.0, 1, True),
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
    t = BaselineTrainer(translator(8, kw, old), device=dev, **tkw)
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
    "name: (trainer options, batch, updates, old Dis_t block order) of the quality check; all see the same samples."
    return {'original step': (ORIGINAL_STEP, 24, n_steps, True),
            'now': (dict(), 24, n_steps, False),
            'now + bf16': (dict(precision='bf16'), 24, n_steps, False),
            'now + bf16, 2x batch': (dict(precision='bf16'), 48, n_steps // 2, False)}


def _forever(loader):
    "One endless stream of batches across `fit_translator` calls (a new epoch when the loader runs out)."
    while True: yield from loader


def judge_accuracy(m, judge, faces, labels, dev):
    "The judge's accuracy on translations of `faces` (their labels hidden from training)."
    from img2audio.base import predict
    m.eval()
    with torch.no_grad():
        x = torch.cat([m.translate_f2a(faces[i:i + 128].to(dev)).float().cpu() for i in range(0, len(faces), 128)])
    m.train()
    return float((predict(judge, x).argmax(1).numpy() == labels.numpy()).mean())


def curve(tkw, batch, steps, old, data, seed, dev, checks=8):
    "Train one path, judging at `checks` evenly spaced points: [(updates, training seconds, judge accuracy)]."
    from torch.utils.data import DataLoader, TensorDataset
    from img2audio.translator import fit_translator
    d, judge, s1, du = data
    torch.manual_seed(seed)
    m = translator(len(d.classes), sizes(), old)
    t = BaselineTrainer(m, LossWeights(cls=5.0), lr=1e-3, dis_lr=3e-4, align=5.0, device=dev, **tkw)
    pairs = TensorDataset(d.faces[s1], d.labels[s1], d.specs[s1], d.labels[s1])
    batches = _forever(DataLoader(pairs, batch_size=batch, shuffle=True,
                                  generator=torch.Generator().manual_seed(seed)))
    out, secs, done = [], 0.0, 0
    for c in range(1, checks + 1):
        n = steps * c // checks - done
        t0 = time.perf_counter()
        fit_translator(t, batches, n_steps=n, paired=True, progress=False)
        secs, done = secs + time.perf_counter() - t0, done + n
        out.append((done, secs, judge_accuracy(m, judge, d.faces[du], d.labels[du], dev)))
    return out


def time_to(mean_curve, target):
    "Training seconds of the first check whose (seed-mean) judge accuracy reaches `target`; None if none does."
    return next((secs for _, secs, acc in mean_curve if acc >= target - 1e-9), None)


def quality(n_steps:int, dev, seeds=(0,), checks=8):
    "Judge-accuracy curves of each quality path, and their speed-ups at equal samples and to equal quality."
    from img2audio.runs import load_experiment_data, run_split
    from img2audio.base_method import judge_network
    d = load_experiment_data('synthetic', n_actors=12, need_pool=False)
    res = {}
    for seed in seeds:
        sp = run_split(d, dict(seed=seed, fold=0))
        judge, _ = judge_network(d, sp, dict(seed=seed))
        data = (d, judge, sp['S1'], np.r_[sp['S2'], sp['S3']])
        for name, (tkw, batch, steps, old) in quality_paths(n_steps).items():
            c = curve(tkw, batch, steps, old, data, seed, dev, checks)
            res.setdefault(name, []).append(c)
            print(f"quality device={dev.type} seed={seed} {name}: {steps} paired updates of {batch}, "
                  "judge accuracy on unseen actors' translations (chance 0.125) at "
                  + ', '.join(f"{u} ({s:.0f}s) {a:.3f}" for u, s, a in c), flush=True)
    means = {k: np.mean(v, 0) for k, v in res.items()}                # (checks, 3): updates, seconds, accuracy
    base = means['original step']
    target = base[-1, 2]
    t_base = time_to(base, target)
    for name, mc in means.items():
        t = time_to(mc, target)
        reach = (f"reaches the original step's final {target:.3f} after {t:.0f}s: {t_base / t:.2f}x faster"
                 if t is not None else f"never reaches the original step's final {target:.3f}")
        print(f"quality device={dev.type} {name}: mean over {len(seeds)} seed(s): final judge accuracy {mc[-1, 2]:.3f} "
              f"after {mc[-1, 1]:.0f}s ({base[-1, 1] / mc[-1, 1]:.2f}x faster for the same samples); {reach}",
              flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--batch', type=int, default=16)
    ap.add_argument('--steps', type=int, default=10)
    ap.add_argument('--reps', type=int, default=2)
    ap.add_argument('--quality', type=int, default=0,
                    help='paired updates of 24 per path for the quality check (0: none)')
    ap.add_argument('--quality-seeds', type=int, nargs='+', default=[0],
                    help='seeds (and folds 0) of the quality check')
    ap.add_argument('--quality-checks', type=int, default=8,
                    help='evenly spaced points at which the judge scores each path')
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
        orig, lean = list(res.values())[1:3]
        print(f"device={dev.type}: speed-up over the original step / over the lean path: "
              + '; '.join(f"{n.split(' (')[0]} {orig / dt:.2f}x / {lean / dt:.2f}x" for n, dt in res.items()),
              flush=True)
        if a.quality: quality(a.quality, dev, a.quality_seeds, a.quality_checks)


if __name__ == '__main__': main()
