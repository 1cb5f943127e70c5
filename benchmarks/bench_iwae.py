"""IWAE throughput: one batched call (all B items × k samples at once) vs per-sample Python loops, measured in the same run.

The model is the translator's spectrogram VAE at its default size (input (B,1,64,156)).
Usage: python benchmarks/bench_iwae.py [--device cpu|cuda] [--batch 16] [--k 64]"""
import argparse, math, time
import torch
from img2audio.core import resolve_device
from img2audio.density import iwae_log_likelihood, log_normal_diag, log_std_normal, gaussian_log_prob
from img2audio.translator import Translator


def loop_per_sample(vae, log_sigma, x, k):
    "Reference: a Python loop over items and over importance samples, one decoder call per (item, sample)."
    out = []
    for i in range(len(x)):
        mu, lv = vae.encode(x[i:i + 1]); lws = []
        for _ in range(k):
            z = mu + (0.5 * lv).exp() * torch.randn_like(mu)
            lpx = gaussian_log_prob(x[i:i + 1], vae.decode(z)[:, None], log_sigma)[:, 0]
            lws.append(lpx + log_std_normal(z) - log_normal_diag(z, mu, lv))
        out.append(torch.logsumexp(torch.cat(lws), 0) - math.log(k))
    return torch.stack(out)


def loop_per_item(vae, x, k):
    "Middle ground: a Python loop over items, each with its k samples batched."
    return torch.cat([iwae_log_likelihood(vae.encode, vae.log_px_given_z, x[i:i + 1], k=k) for i in range(len(x))])


def timeit(fn, dev, reps):
    fn()
    if dev.type == 'cuda': torch.cuda.synchronize()
    t0 = time.perf_counter()
    for _ in range(reps): fn()
    if dev.type == 'cuda': torch.cuda.synchronize()
    return (time.perf_counter() - t0) / reps


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--device', default='cpu'); ap.add_argument('--batch', type=int, default=16); ap.add_argument('--k', type=int, default=64)
    a = ap.parse_args()
    dev = resolve_device(a.device); torch.manual_seed(0)
    tr = Translator(8).to(dev).eval(); vae = tr.spec_vae()
    x = (torch.rand(a.batch, 1, 64, 156, device=dev) * 2 - 1)
    with torch.no_grad():
        t_b = timeit(lambda: iwae_log_likelihood(vae.encode, vae.log_px_given_z, x, k=a.k), dev, 3)
        t_c = timeit(lambda: iwae_log_likelihood(vae.encode, vae.log_px_given_z, x, k=a.k, chunk=8), dev, 3)
        t_i = timeit(lambda: loop_per_item(vae, x, a.k), dev, 1)
        t_s = timeit(lambda: loop_per_sample(vae, tr.log_sigma_a, x, a.k), dev, 1)
    print(f"device={dev} torch threads={torch.get_num_threads()} B={a.batch} k={a.k} input=(B,1,64,156) "
          f"spectrogram VAE params={sum(p.numel() for p in list(tr.enc_a_body.parameters()) + list(tr.enc_shared.parameters()) + list(tr.dec_shared.parameters()) + list(tr.dec_a_body.parameters()))/1e6:.2f}M")
    for name, t in [('batched (one call)', t_b), ('batched, chunk=8 over k', t_c), ('loop over items', t_i), ('loop over items and samples', t_s)]:
        print(f"{name:30s} {t*1000:9.1f} ms per batch  {a.batch/t:9.1f} items/s  time relative to one batched call: {t/t_b:5.1f}x")


if __name__ == '__main__': main()
