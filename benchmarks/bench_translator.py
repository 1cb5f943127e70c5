"""Translator training throughput (samples/s: faces + spectrograms per alternating update), on the CPU and, when
PyTorch sees one, on CUDA. Usage: python benchmarks/bench_translator.py [--batch 16] [--steps 10] [--small]"""
import argparse, time
import torch
from img2audio.translator import Translator, TranslatorTrainer


def bench(dev, batch, steps, eps, small):
    torch.manual_seed(0)
    kw = dict(channels=(8, 16, 32), hidden=128, dis_t_channels=(8, 16, 32, 48)) if small else {}
    t = TranslatorTrainer(Translator(8, **kw), device=dev)
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
    ap.add_argument('--small', action='store_true', help="the notebook's narrower model instead of the defaults")
    a = ap.parse_args()
    devs = [torch.device('cpu')] + ([torch.device('cuda')] if torch.cuda.is_available() else [])
    res = {}
    for dev in devs:
        for eps in (0.0, 0.5):
            dt, sps = bench(dev, a.batch, a.steps if dev.type == 'cuda' else max(a.steps // 2, 2), eps, a.small)
            res[(dev.type, eps)] = sps
            print(f"device={dev.type:4s} threads={torch.get_num_threads()} batch={a.batch} eps={eps} (density ranking {'on, k=8' if eps else 'off'}) "
                  f"{'small' if a.small else 'default'} model: {dt*1000:8.1f} ms/step  {sps:8.1f} samples/s")
    if ('cuda', 0.0) in res: print(f"CUDA / CPU throughput ratio (eps=0): {res[('cuda', 0.0)] / res[('cpu', 0.0)]:.1f}x")


if __name__ == '__main__': main()
