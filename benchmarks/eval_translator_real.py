"""Do a real-data translator's high-density generations score better under the Base classifier than its low-density ones?

Trains, on real RAVDESS speech (actors 1-12, the 6 classes shared with CK+) and CK+48 faces, unpaired:
  1. the Base classifier (SpecCNN, SpecAugment, S1 only) -> its S4 accuracy (translator-free reference);
  2. the Image2Audio translator (faces: the CK+48 pool with labels; spectrograms: S1 labelled + S2+S3 unlabelled),
     with the annealing share eps rising linearly from 0 to 0.8 over the run (paper section 2.2);
then translates every pool face, ranks the translations by IWAE log-density under the spectrogram VAE, splits them
at eps=0.5 (and into top/bottom quartiles) and scores each part with the Base classifier: accuracy w.r.t. the face's
label, UAR, mean max-probability, Inception Score, and FID to real S1-S3 spectrograms (Base penultimate features).

Usage (from the repository root):
  .venv/bin/python benchmarks/eval_translator_real.py [--steps N] [--seed 0] [--threads 2] [--fig /tmp/x.png]
Without --steps the number of translator steps is chosen from a measured step time so that training takes about
--train-budget seconds. The data (your own copies) is never copied; the script exits with a message when it is absent.
"""
import argparse, math, sys, time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def parse_args(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--data-dir', default=str(ROOT.parent / 'shared/data/ravdess_speech'), help='RAVDESS speech folder (Actor_XX/…)')
    ap.add_argument('--faces', default=str(ROOT.parent / 'shared/data/ckplus48'), help='CK+48 face folder')
    ap.add_argument('--steps', type=int, default=None, help='translator steps (default: chosen from --train-budget)')
    ap.add_argument('--train-budget', type=float, default=600., help='seconds of translator training when --steps is not given')
    ap.add_argument('--max-steps', type=int, default=4000, help='upper bound on the chosen number of steps')
    ap.add_argument('--seed', type=int, default=0, help='split, initialisation and batch seed')
    ap.add_argument('--eps', type=float, default=0.5, help='share of the generations called high density for the main split')
    ap.add_argument('--eps-max', type=float, default=0.8, help='final annealing share during training (paper: 0.8)')
    ap.add_argument('--threads', type=int, default=1, help='torch CPU threads (1: the fastest on a shared 2-core CPU, measured)')
    ap.add_argument('--k', type=int, default=64, help='IWAE importance samples for the evaluation ranking')
    ap.add_argument('--batch', type=int, default=24, help='faces and spectrograms per translator step (Image2AudioConfig.trans_batch)')
    ap.add_argument('--lr', type=float, default=1e-3, help='translator Adam lr, generators and discriminators (Image2AudioConfig.trans_lr)')
    ap.add_argument('--k-density', type=int, default=8, help='IWAE samples for the in-training density ranking')
    ap.add_argument('--base-epochs', type=int, default=40, help='Base classifier epochs')
    ap.add_argument('--device', default='cpu')
    ap.add_argument('--fig', default='/tmp/translator_real_fig1.png', help='Figure-1-style PNG (outside the repository)')
    return ap.parse_args(argv)


def main(argv=None):
    a = parse_args(argv)
    for name, p in (('--data-dir', a.data_dir), ('--faces', a.faces)):
        if not Path(p).is_dir() or not any(Path(p).iterdir()):
            sys.exit(f"eval_translator_real: {name}={p!r} is missing or empty; this benchmark needs the real RAVDESS speech "
                     f"and CK+48 folders (give --data-dir and --faces) - nothing was run")
    if not 0 < a.eps < 1: sys.exit(f"--eps={a.eps} must lie in (0, 1)")

    import numpy as np, pandas as pd, torch
    import matplotlib; matplotlib.use('Agg'); import matplotlib.pyplot as plt
    from torch.utils.data import DataLoader, TensorDataset
    from img2audio.core import seed_everything, resolve_device
    from img2audio.runs import load_experiment_data
    from img2audio.features import faces_to_tensor
    from img2audio.splits import split_indices
    from img2audio.base import SpecCNN, SpecAugment, train_classifier, predict
    from img2audio.translator import Translator, TranslatorTrainer, fit_translator
    from img2audio.density import epsilon_schedule, split_by_density, AnnealLog
    from img2audio.genmetrics import generation_scores, classifier_outputs, inception_score, fid

    torch.set_num_threads(a.threads)
    dev = resolve_device(a.device)
    T = {}; t_all = time.perf_counter()
    pd.set_option('display.width', 160); pd.set_option('display.max_columns', 20)

    # 1. data --------------------------------------------------------------------------------------------------------
    t0 = time.perf_counter()
    data = load_experiment_data('ravdess', a.data_dir, face_dirs=[a.faces], cache_dir=None, need_pool=True)
    X, y, classes, K = data.specs, data.labels, data.classes, len(data.classes)
    faces = faces_to_tensor(data.pool.images)
    fy = torch.tensor([classes.index(e) for e in data.pool.emotions])
    sp = split_indices(data.meta, a.seed)
    s1, s23, s4 = sp['S1'], np.concatenate([sp['S2'], sp['S3']]), sp['S4']
    s123 = np.concatenate([s1, s23])
    T['load'] = time.perf_counter() - t0
    print(f"data: {len(y)} clips, classes {classes}, features from {'cache' if data.cache_hit else 'scratch'} ({T['load']:.1f}s)")
    print(f"split seed {a.seed}: " + ', '.join(f"{k} actors {sp['groups'][k]} ({len(sp[k])} clips)" for k in ('S1', 'S2', 'S3', 'S4')))
    print(f"face pool: {len(faces)} CK+48 faces, per class " + ', '.join(f'{c} {int((fy == i).sum())}' for i, c in enumerate(classes)))
    if data.skipped: print(f"skipped files: {len(data.skipped)}")

    # 2. Base classifier on S1 ---------------------------------------------------------------------------------------
    t0 = time.perf_counter(); seed_everything(a.seed)
    base = SpecCNN(K)
    train_classifier(base, X[s1], y[s1], epochs=a.base_epochs, augment=SpecAugment(), device=dev, seed=a.seed, progress=False)
    base.eval()
    p4 = predict(base, X[s4], device=dev)
    acc_s4 = float((p4.argmax(1) == y[s4]).float().mean())
    T['base'] = time.perf_counter() - t0
    print(f"Base classifier: {a.base_epochs} epochs on S1 ({len(s1)} clips), S4 accuracy {acc_s4:.4f} ({T['base']:.1f}s)")

    # 3. translator, unpaired ----------------------------------------------------------------------------------------
    seed_everything(a.seed)
    model = Translator(K)
    trainer = TranslatorTrainer(model, lr=a.lr, dis_lr=a.lr, k_density=a.k_density, device=dev)
    g = torch.Generator().manual_seed(a.seed)
    y_spec = torch.cat([y[s1], torch.full((len(s23),), -1, dtype=torch.long)])
    face_loader = DataLoader(TensorDataset(faces, fy), batch_size=a.batch, shuffle=True, drop_last=True, generator=g)
    spec_loader = DataLoader(TensorDataset(torch.cat([X[s1], X[s23]]), y_spec), batch_size=a.batch, shuffle=True, drop_last=True, generator=g)
    # measure the step time on a throw-away copy (eps > 0: the in-training density ranking is on for almost every step)
    import copy
    probe = TranslatorTrainer(copy.deepcopy(model), lr=a.lr, dis_lr=a.lr, k_density=a.k_density, device=dev)
    fb, fyb = faces[:a.batch], fy[:a.batch]; sb, syb = X[s1][:a.batch], y[s1][:a.batch]
    probe.step(fb, fyb, sb, syb, eps=0.5)
    t0 = time.perf_counter(); n_probe = 5
    for _ in range(n_probe): probe.step(fb, fyb, sb, syb, eps=0.5)
    sec_per_step = (time.perf_counter() - t0) / n_probe; del probe
    n_steps = a.steps if a.steps is not None else max(1, min(a.max_steps, int(a.train_budget / sec_per_step)))
    print(f"translator: measured {sec_per_step*1000:.0f} ms/step ({1/sec_per_step:.2f} steps/s, batch {a.batch}, {a.threads} threads); "
          f"training {n_steps} steps ({'given' if a.steps is not None else f'budget {a.train_budget:.0f}s'}), "
          f"eps linear 0 -> {a.eps_max} over the run, lr {a.lr}")
    seed_everything(a.seed)
    log = AnnealLog(classes)
    t0 = time.perf_counter()
    hist = fit_translator(trainer, face_loader, spec_loader, n_steps=n_steps, progress=False, anneal_log=log,
                          eps=lambda s: epsilon_schedule(s, max(n_steps - 1, 1), 'linear', eps_max=a.eps_max))
    T['translator'] = time.perf_counter() - t0
    print(f"translator trained in {T['translator']:.1f}s ({n_steps / T['translator']:.2f} steps/s)")
    cols = ['vae_f', 'vae_a', 'cyc_f2a2f', 'cyc_a2f2a', 'gan_f2a', 'gan_a2f', 'cls', 'dis_t', 'dis_f', 'sigma_a', 'eps']
    q = max(1, n_steps // 10)
    print("losses, mean of the first / last 10% of the steps:")
    print(pd.DataFrame({'first': hist[cols].head(q).mean(), 'last': hist[cols].tail(q).mean()}).T.round(4).to_string())
    ann = log.to_frame(); ann['half'] = np.where(ann['round'] < n_steps / 2, 'first half', 'second half')
    share = ann.groupby(['half', 'class'])[['n_high', 'n_low']].sum()
    share['share_high'] = share.n_high / (share.n_high + share.n_low)
    print("in-training D_t share per class (density ranking inside each batch):")
    print(share['share_high'].unstack(0).round(3).to_string())

    # 4. translate all pool faces, IWAE density, split -----------------------------------------------------------------
    t0 = time.perf_counter(); model.eval()
    gen, dens = [], []
    gd = torch.Generator().manual_seed(a.seed + 1)
    with torch.no_grad():
        for i in range(0, len(faces), 32):
            x = model.translate_f2a(faces[i:i+32].to(dev)); gen.append(x.cpu())
            dens.append(model.log_density_a(x, k=a.k, chunk=16, generator=gd).cpu())
        gen, dens = torch.cat(gen), torch.cat(dens)
        dens_real4 = torch.cat([model.log_density_a(X[s4][i:i+32].to(dev), k=a.k, chunk=16, generator=gd).cpu()
                                for i in range(0, len(s4), 32)])
    T['density'] = time.perf_counter() - t0
    high, low = split_by_density(dens, a.eps)
    qhi, _ = split_by_density(dens, 0.25); _, qlo = split_by_density(dens, 0.75)
    print(f"IWAE log-density (k={a.k}) of the {len(gen)} translations: median {dens.median():.1f}, "
          f"quartiles {dens.quantile(0.25):.1f} / {dens.quantile(0.75):.1f}; of real S4 spectrograms: median {dens_real4.median():.1f} "
          f"(quartiles {dens_real4.quantile(0.25):.1f} / {dens_real4.quantile(0.75):.1f}) ({T['density']:.1f}s)")
    spread = float(gen.std(0).mean()); spread_real = float(X[s123].std(0).mean())
    print(f"diversity: mean per-pixel std across translations {spread:.4f} vs across real S1-S3 spectrograms {spread_real:.4f}")

    # 5. scores ------------------------------------------------------------------------------------------------------
    t0 = time.perf_counter()
    pg, fg = classifier_outputs(base, gen, K)
    pr4, fr4 = classifier_outputs(base, X[s4], K)
    _, fr123 = classifier_outputs(base, X[s123], K)
    fyn = fy.numpy(); pred = pg.argmax(1)

    def uar(pred, true):
        return float(np.mean([np.mean(pred[true == c] == c) for c in np.unique(true)]))

    def row(name, m):
        p, t = pg[m], fyn[m]
        return dict(set=name, n=int(m.sum()), acc=float(np.mean(p.argmax(1) == t)), uar=uar(p.argmax(1), t),
                    conf=float(p.max(1).mean()), IS=inception_score(p)[0], FID_S123=fid(fr123, fg[m]) if m.sum() > 1 else float('nan'),
                    logp=float(dens.numpy()[m].mean()))
    m_all = np.ones(len(gen), bool)
    rows = [row('all generations', m_all), row(f'high density (eps={a.eps})', high.numpy()), row(f'low density (1-eps)', low.numpy()),
            row('top 25% density', qhi.numpy()), row('bottom 25% density', qlo.numpy())]
    y4 = y[s4].numpy()
    rows.append(dict(set='real S4 (reference)', n=len(s4), acc=float(np.mean(pr4.argmax(1) == y4)), uar=uar(pr4.argmax(1), y4),
                     conf=float(pr4.max(1).mean()), IS=inception_score(pr4)[0], FID_S123=fid(fr123, fr4), logp=float(dens_real4.mean())))
    gs = generation_scores(base, X[s123], gen[high], gen[low], n_classes=K)
    T['scores'] = time.perf_counter() - t0
    res = pd.DataFrame(rows).set_index('set')

    print("\n=== RESULTS: Base classifier (trained on S1 only) scoring the translations of all CK+48 pool faces ===")
    print("acc/uar: Base prediction vs the source face's label; conf: mean max-probability; IS: Inception Score with the Base\n"
          "classifier; FID_S123: FID to real S1-S3 spectrograms on Base penultimate features; logp: mean IWAE log-density")
    print(res.round(4).to_string())
    print(f"\nBase accuracy on real S4: {acc_s4:.4f}   chance: {1/K:.4f}   BaseScore (IS of real S4): {rows[-1]['IS']:.4f}")
    print("generation_scores(Base, real=S1-S3, high, low): " + ', '.join(f'{k} {v:.4f}' if isinstance(v, float) else f'{k} {v}' for k, v in gs.items()))
    comp = pd.DataFrame({'pool': pd.Series(fyn).value_counts().sort_index(),
                         'high': pd.Series(fyn[high.numpy()]).value_counts().reindex(range(K), fill_value=0),
                         'low': pd.Series(fyn[low.numpy()]).value_counts().reindex(range(K), fill_value=0)})
    comp.index = classes; comp['share_high'] = comp.high / comp.pool
    print("\nclass composition of the eps split (face label):"); print(comp.round(3).to_string())
    pc = pd.DataFrame({c: {'acc_high': float(np.mean(pred[high.numpy() & (fyn == i)] == i)) if (high.numpy() & (fyn == i)).any() else float('nan'),
                           'acc_low': float(np.mean(pred[low.numpy() & (fyn == i)] == i)) if (low.numpy() & (fyn == i)).any() else float('nan')}
                       for i, c in enumerate(classes)}).T
    print("\nper-class Base accuracy on generations, high vs low:"); print(pc.round(3).to_string())
    cm = pd.crosstab(pd.Series([classes[i] for i in fyn], name='face label'), pd.Series([classes[i] for i in pred], name='Base prediction'))
    print("\nBase predictions on all generations (rows: face label):"); print(cm.to_string())
    rho = pd.Series(dens.numpy()).corr(pd.Series(pg[np.arange(len(pg)), fyn]), method='spearman')
    print(f"\nSpearman correlation, log-density vs Base probability of the face's class: {rho:.4f}")

    # 6. figure ------------------------------------------------------------------------------------------------------
    fig, axs = plt.subplots(3, 4, figsize=(10, 5.6))
    for j, c in enumerate([c for c in ('happy', 'sad') if c in classes]):
        ci = classes.index(c)
        real = X[s123][y[s123] == ci][:2]
        hi_idx = np.flatnonzero(high.numpy() & (fyn == ci)); lo_idx = np.flatnonzero(low.numpy() & (fyn == ci))
        hi_idx = hi_idx[np.argsort(-dens.numpy()[hi_idx])][:2]; lo_idx = lo_idx[np.argsort(dens.numpy()[lo_idx])][:2]
        for r, (name, S, idx) in enumerate([('real', real, None), ('high density', gen[hi_idx], hi_idx), ('low density', gen[lo_idx], lo_idx)]):
            for qq in range(2):
                ax = axs[r, 2 * j + qq]; ax.set_xticks([]); ax.set_yticks([])
                if qq < len(S):
                    ax.imshow(S[qq, 0], origin='lower', aspect='auto', cmap='magma', vmin=-1, vmax=1)
                    if idx is not None: ax.set_title(f'{c}: log p {dens[idx[qq]]:.0f}, Base→{classes[pred[idx[qq]]]}', fontsize=7)
                    else: ax.set_title(f'{c} (real)', fontsize=7)
                if 2 * j + qq == 0: ax.set_ylabel(name, fontsize=9)
    fig.suptitle(f'real / high-density / low-density spectrograms (translator {n_steps} steps, seed {a.seed})', fontsize=10)
    fig.tight_layout(); Path(a.fig).parent.mkdir(parents=True, exist_ok=True); fig.savefig(a.fig, dpi=110); plt.close(fig)
    T['total'] = time.perf_counter() - t_all
    print(f"\nfigure: {a.fig}")
    print("wall times (s): " + ', '.join(f'{k} {v:.1f}' for k, v in T.items()) + f"; translator steps {n_steps}")


if __name__ == '__main__': main()
