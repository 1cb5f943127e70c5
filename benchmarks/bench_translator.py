"""Translator training throughput (samples/s: faces + spectrograms per alternating update), on the CPU and, when
PyTorch sees one, on CUDA, for four paths measured in one run:
- first path: joint real+fake batches through Dis_t, Dis_t run on the real batch again in the generator update,
  IWAE ranking inside every step, the module's default sizes, contiguous (NCHW) convolutions;
- lean path (issue 5): separate real/fake passes, no redundant Dis_t pass, ranking once per round outside the step,
  Image2Audio's translator sizes;
- now: the lean path with channels-last convolutions (Image2Audio's default);
- now + bf16: the same under bfloat16 autocast (`precision='bf16'`; fast where the CPU has AMX, or on a GPU).
Each path is timed `--reps` times, interleaved, and its fastest repetition is kept (a shared machine only slows a path
down). Channels-last changes the memory layout, not the maths. bfloat16 does change the arithmetic, so `--quality N`
also trains 'now' and 'now + bf16' for N paired updates each on the synthetic corpus (12 actors, fold 0, the setting of
12_image2audio's class-dependence test, Image2Audio's sizes) and prints the independent judge's accuracy on translations
of the faces of actors the translator never saw (chance 1/8).
Usage: python benchmarks/bench_translator.py [--batch 16] [--steps 10] [--reps 2] [--quality 0]"""
import argparse, time
import numpy as np, torch
from img2audio.translator import Translator, TranslatorTrainer, LossWeights
from img2audio.image2audio import Image2AudioConfig


def sizes():
    c = Image2AudioConfig()
    return dict(channels=c.channels, hidden=c.hidden, latent=c.latent, dis_t_channels=c.dis_channels)


def paths():
    first, lean = dict(lean=False, channels_last=False), dict(channels_last=False)
    return {'first path (lean=False, ranking in every step, eps=0.5)': (dict(), first, 0.5),
            'lean path (issue 5: lean=True, eps=0 in the step)': (sizes(), lean, 0.0),
            'now (lean, channels-last)': (sizes(), dict(), 0.0),
            'now + bf16 (precision=bf16)': (sizes(), dict(precision='bf16'), 0.0)}


def bench(dev, batch, steps, kw, tkw, eps):
    torch.manual_seed(0)
    t = TranslatorTrainer(Translator(8, **kw), device=dev, **tkw)
    f = torch.rand(batch, 1, 64, 64, device=dev) * 2 - 1
    a = torch.rand(batch, 1, 64, 156, device=dev) * 2 - 1
    y = torch.randint(0, 8, (batch,), device=dev)
    for _ in range(2): t.step(f, y, a, y, eps=eps)
    if dev.type == 'cuda': torch.cuda.synchronize()
    t0 = time.perf_counter()
    for _ in range(steps): t.step(f, y, a, y, eps=eps)
    if dev.type == 'cuda': torch.cuda.synchronize()
    return (time.perf_counter() - t0) / steps


def quality(n_steps:int, dev):
    "Judge accuracy on translations of unseen actors' faces after `n_steps` paired updates, fp32 vs bf16."
    from torch.utils.data import DataLoader, TensorDataset
    from img2audio.runs import load_experiment_data, run_split
    from img2audio.base_method import judge_network
    from img2audio.base import predict
    from img2audio.translator import fit_translator
    d = load_experiment_data('synthetic', n_actors=12, need_pool=False)
    sp = run_split(d, dict(seed=0, fold=0))
    judge, _ = judge_network(d, sp, dict(seed=0))
    s1, du = sp['S1'], np.r_[sp['S2'], sp['S3']]
    for prec in ('fp32', 'bf16'):
        torch.manual_seed(0)
        m = Translator(len(d.classes), **sizes())
        t = TranslatorTrainer(m, LossWeights(cls=5.0), lr=1e-3, dis_lr=3e-4, align=5.0, device=dev, precision=prec)
        pairs = TensorDataset(d.faces[s1], d.labels[s1], d.specs[s1], d.labels[s1])
        loader = DataLoader(pairs, batch_size=24, shuffle=True, generator=torch.Generator().manual_seed(0))
        t0 = time.perf_counter()
        fit_translator(t, loader, n_steps=n_steps, paired=True, progress=False)
        secs = time.perf_counter() - t0
        m.eval()
        with torch.no_grad():
            x = torch.cat([m.translate_f2a(d.faces[du][i:i + 128].to(dev)).float().cpu() for i in range(0, len(du), 128)])
        acc = float((predict(judge, x).argmax(1).numpy() == d.labels[du].numpy()).mean())
        print(f"quality device={dev.type} precision={prec}: {n_steps} paired updates in {secs:.0f}s, judge accuracy "
              f"{acc:.3f} on {len(du)} translations of unseen actors' faces (chance 0.125)", flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--batch', type=int, default=16)
    ap.add_argument('--steps', type=int, default=10)
    ap.add_argument('--reps', type=int, default=2)
    ap.add_argument('--quality', type=int, default=0, help='paired updates per precision for the quality check (0: none)')
    a = ap.parse_args()
    devs = [torch.device('cpu')] + ([torch.device('cuda')] if torch.cuda.is_available() else [])
    for dev in devs:
        steps = a.steps if dev.type == 'cuda' else max(a.steps // 2, 2)
        res = {}
        for _ in range(a.reps):                                   # interleaved repetitions, fastest kept
            for name, p in paths().items():
                res[name] = min(res.get(name, float('inf')), bench(dev, a.batch, steps, *p))
        for name, dt in res.items():
            print(f"device={dev.type:4s} threads={torch.get_num_threads()} batch={a.batch}+{a.batch} {name}: "
                  f"{dt*1000:8.1f} ms/step  {2 * a.batch / dt:8.1f} samples/s", flush=True)
        first, lean, now, bf16 = res.values()
        print(f"device={dev.type}: now {first / now:.2f}x faster per step than the first path ({lean / now:.2f}x than the "
              f"lean path); now + bf16 {first / bf16:.2f}x faster than the first path", flush=True)
        if a.quality: quality(a.quality, dev)


if __name__ == '__main__': main()
