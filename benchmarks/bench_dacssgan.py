"""Where a dacssGAN run's time goes, on the synthetic corpus: f_S, conformal p-values, GAN epochs, the two Base-recipe
trainings (real S1 and real S1 + generations) and the judge's scoring. Usage:
python benchmarks/bench_dacssgan.py [--gan-epochs 5] [--base-epochs 5] [--schedule cpu] [--generator encdec]"""
import argparse, time
import numpy as np, torch
from img2audio.experiment import load_experiment_data
from img2audio.splits import split_indices
from img2audio.base import SpecCNN, SpecAugment, train_classifier, predict
from img2audio.conformal import train_face_classifier, face_probs, margin_nonconformity, icp_p_values
from img2audio.dacssgan import (SCHEDULES, GanHParams, condition_vectors, face_inputs, train_dacssgan, generate,
                                judge_scores)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--gan-epochs', type=int, default=5)
    ap.add_argument('--base-epochs', type=int, default=5)
    ap.add_argument('--fs-epochs', type=int, default=30)
    ap.add_argument('--schedule', default='cpu', choices=tuple(SCHEDULES))
    ap.add_argument('--generator', default='encdec', choices=('encdec', 'unet'))
    ap.add_argument('--seed', type=int, default=0)
    a = ap.parse_args()
    T, t0 = {}, [time.perf_counter()]
    def tick(name):
        T[name] = time.perf_counter() - t0[0]
        t0[0] = time.perf_counter()
    data = load_experiment_data('synthetic', need_pool=False); tick('load (cached features)')
    sp = split_indices(data.meta, a.seed); K, y = len(data.classes), data.labels
    X, kind = face_inputs(data, sp)
    fs, _ = train_face_classifier(X[sp['S1']], y[sp['S1']], K, epochs=a.fs_epochs, seed=a.seed)
    tick(f'f_S ({a.fs_epochs} epochs)')
    p2, p3 = face_probs(fs, X[sp['S2']]), face_probs(fs, X[sp['S3']])
    pv3 = icp_p_values(margin_nonconformity(p2, y[sp['S2']].numpy()), margin_nonconformity(p3))
    tick('conformal p-values')
    c, k = condition_vectors('conformal', p_values=pv3)
    hp = GanHParams(**{**SCHEDULES[a.schedule], 'epochs': a.gan_epochs, 'eval_every': 0})
    S3 = sp['S3']
    G, _, _, hist = train_dacssgan(X[S3], c, k, data.specs[S3], data.specs[sp['S1']], y[sp['S1']],
                                   generator=a.generator, hp=hp, seed=a.seed)
    tick(f'GAN ({a.gan_epochs} epochs)')
    gen = generate(G, X[S3], c, seed=a.seed)
    tick('generate S3')
    def base(extra=None, s=a.seed):
        Xs, ys = data.specs[sp['S1']], y[sp['S1']]
        if extra is not None: Xs, ys = torch.cat([Xs, extra[0]]), torch.cat([ys, extra[1]])
        torch.manual_seed(s)
        m = SpecCNN(K)
        train_classifier(m, Xs, ys, epochs=a.base_epochs, augment=SpecAugment(), seed=s, progress=False)
        return m
    judge = base(s=a.seed + 1000)
    tick(f'Base recipe on real S1 ({a.base_epochs} epochs)')
    aug = base((gen, k))
    tick(f'augmented Base on S1 + generations ({a.base_epochs} epochs)')
    predict(aug, data.specs[sp['S4']])
    judge_scores(judge, data.specs[S3], gen, k)
    tick('scoring (S4 predictions, IS/FID)')
    tot = sum(T.values())
    print(f"dacssGAN on synthetic: {kind} faces, S1/S2/S3/S4 = {[len(sp[s]) for s in ('S1', 'S2', 'S3', 'S4')]} clips, "
          f"{a.generator}, schedule={a.schedule}, threads={torch.get_num_threads()}")
    for n, v in T.items(): print(f"  {n:48s} {v:7.2f} s  {100 * v / tot:5.1f} %")
    per_base = T[f'Base recipe on real S1 ({a.base_epochs} epochs)'] / a.base_epochs
    per_gan = np.mean([r['seconds'] for r in hist])
    print(f"  per GAN epoch: {per_gan:.2f} s; per Base epoch on real S1: {per_base:.2f} s")


if __name__ == '__main__': main()
