"""Translator training throughput (samples/s: faces + spectrograms per alternating update), on the CPU and, when
PyTorch sees one, on CUDA; the first path (joint real+fake batches, Dis_t run on the real batch again in the generator update,
IWAE ranking inside every step, the module's default sizes) against the lean path Image2Audio uses now (separate real/fake
passes, no redundant Dis_t pass, ranking once per round outside the step, `Image2AudioConfig`'s translator sizes).
Usage: python benchmarks/bench_translator.py [--batch 16] [--steps 10] [--small]"""
import argparse, time
import torch
from img2audio.translator import Translator, TranslatorTrainer
from img2audio.image2audio import Image2AudioConfig


def paths(small):
    c = Image2AudioConfig()
    old = dict(channels=(8, 16, 32), hidden=128, dis_t_channels=(8, 16, 32, 48)) if small else {}
    new = dict(channels=c.channels, hidden=c.hidden, latent=c.latent, dis_t_channels=c.dis_channels)
    if small: new.update(channels=(8, 16, 32), dis_t_channels=(8, 16, 32, 48))
    return {'first path (lean=False, ranking in every step, eps=0.5)': (old, False, 0.5),
            'lean path (Image2Audio now: lean=True, eps=0 in the step)': (new, True, 0.0)}


def bench(dev, batch, steps, kw, lean, eps):
    torch.manual_seed(0)
    t = TranslatorTrainer(Translator(8, **kw), device=dev, lean=lean)
    f = torch.rand(batch, 1, 64, 64, device=dev) * 2 - 1; a = torch.rand(batch, 1, 64, 156, device=dev) * 2 - 1
    y = torch.randint(0, 8, (batch,), device=dev)
    for _ in range(2): t.step(f, y, a, y, eps=eps)
    if dev.type == 'cuda': torch.cuda.synchronize()
    t0 = time.perf_counter()
    for _ in range(steps): t.step(f, y, a, y, eps=eps)
    if dev.type == 'cuda': torch.cuda.synchronize()
    dt = (time.perf_counter() - t0) / steps
    return dt, 2 * batch / dt


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--batch', type=int, default=16); ap.add_argument('--steps', type=int, default=10)
    ap.add_argument('--small', action='store_true', help="the notebook's narrower model for both paths")
    a = ap.parse_args()
    devs = [torch.device('cpu')] + ([torch.device('cuda')] if torch.cuda.is_available() else [])
    for dev in devs:
        res = {}
        for name, (kw, lean, eps) in paths(a.small).items():
            dt, sps = bench(dev, a.batch, a.steps if dev.type == 'cuda' else max(a.steps // 2, 2), kw, lean, eps)
            res[name] = dt
            print(f"device={dev.type:4s} threads={torch.get_num_threads()} batch={a.batch}+{a.batch} {name}: "
                  f"{dt*1000:8.1f} ms/step  {sps:8.1f} samples/s", flush=True)
        old, new = res.values()
        print(f"device={dev.type}: lean path {old / new:.2f}x faster per step")


if __name__ == '__main__': main()
