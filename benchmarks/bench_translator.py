"""Translator training throughput (samples/s: faces + spectrograms per alternating update), on the CPU and, when
PyTorch sees one, on CUDA, for three paths measured in one run:
- first path: joint real+fake batches through Dis_t, Dis_t run on the real batch again in the generator update,
  IWAE ranking inside every step, the module's default sizes, contiguous (NCHW) convolutions;
- lean path (issue 5): separate real/fake passes, no redundant Dis_t pass, ranking once per round outside the step,
  the sizes Image2Audio used until issue 11 (translator channels (16, 32, 64));
- now: the lean path with channels-last convolutions and `Image2AudioConfig`'s translator sizes (channels (8, 16, 32)).
Each path is timed `--reps` times, interleaved, and its fastest repetition is kept (a shared machine only slows a path
down).
Channels-last changes the memory layout, not the maths: the translations' quality is the same.
Usage: python benchmarks/bench_translator.py [--batch 16] [--steps 10] [--reps 2]"""
import argparse, time
import torch
from img2audio.translator import Translator, TranslatorTrainer
from img2audio.image2audio import Image2AudioConfig


def paths():
    c = Image2AudioConfig()
    lean_old = dict(channels=(16, 32, 64), hidden=c.hidden, latent=c.latent, dis_t_channels=c.dis_channels)
    now = dict(channels=c.channels, hidden=c.hidden, latent=c.latent, dis_t_channels=c.dis_channels)
    first, lean = dict(lean=False, channels_last=False), dict(channels_last=False)
    return {'first path (lean=False, ranking in every step, eps=0.5)': (dict(), first, 0.5),
            'lean path (issue 5: lean=True, eps=0 in the step, channels (16,32,64))': (lean_old, lean, 0.0),
            f'now (lean, channels-last, channels {c.channels})': (now, dict(), 0.0)}


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


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--batch', type=int, default=16)
    ap.add_argument('--steps', type=int, default=10)
    ap.add_argument('--reps', type=int, default=2)
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
        first, lean, now = res.values()
        print(f"device={dev.type}: now {first / now:.2f}x faster per step than the first path, "
              f"{lean / now:.2f}x than the lean path")


if __name__ == '__main__': main()
