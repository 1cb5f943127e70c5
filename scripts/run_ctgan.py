"""Run CT-GAN's five setups (paper 004) one after the other, then gather them.

    OMP_NUM_THREADS=1 python scripts/run_ctgan.py --root ../runs_ctgan --datasets ravdess synthetic \
        --seeds 0 1 2 --folds 0 1 2 3 --modalities audio face \
        --ravdess-dir /path/to/ravdess --au-dir /path/to/ravdess_aus

One process, one run at a time (`run_experiment(method='ctgan', setup=…)`), seed by seed so that a stopped sweep
leaves whole seeds; uni-modal setups run once per `--modalities` entry. Paper Fig. 6's curve:
`--datasets synthetic --n-actors 8 --setups mssgan --folds 0 --n-unlabelled 0 60 120 180`. A finished run folder is
returned as is, so the script can be stopped and started again. The synthetic corpus has `--n-actors` actors (default
12, RAVDESS 1-12's size; the measured grid used 8). At the end (and with `--collect-only`) every finished ctgan run
below `--root` is gathered into `<root>/runs.json` (configuration, metrics, diagnostics; no corpus data).
"""
import argparse, json, time
from itertools import product
from pathlib import Path
from img2audio.ctgan import SETUPS
KEEP = ('setup', 'modality', 'face_input', 'accuracy', 'uar', 'macro_f1', 'n_test', 'val_uar', 'best_epoch', 'n_train',
        'n_unlab', 'n_val', 'val_actors_ids', 'unlab_as_fake', 'test_as_fake', 'ct_last', 'ct_mean', 'pseudo_count',
        'pseudo_acc', 'pseudo_conf_mean', 'train_seconds', 'classes', 'confusion')

def collect(root:Path)->list:
    "One record per finished ctgan run below root."
    recs = []
    for m in sorted(root.rglob('metrics.json')):
        cfg = json.loads((m.parent/'config.json').read_text())['params']
        if cfg.get('method') != 'ctgan': continue
        met = json.loads(m.read_text())
        t = json.loads((m.parent/'timings.json').read_text()) if (m.parent/'timings.json').exists() else {}
        recs.append({'run': m.parent.name, 'dataset': cfg['dataset'], 'seed': cfg['seed'], 'fold': cfg.get('fold', 0),
                     'schedule': cfg.get('schedule', 'cpu'), 'method_seconds': t.get('method'),
                     'n_unlabelled': cfg.get('n_unlabelled'),
                     **{k: met.get(k) for k in KEEP}})
    return recs

def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--root', default='runs/ctgan'); p.add_argument('--datasets', nargs='+', default=['synthetic'])
    p.add_argument('--seeds', nargs='+', type=int, default=[0, 1, 2])
    p.add_argument('--folds', nargs='+', type=int, default=[0])
    p.add_argument('--setups', nargs='+', default=list(SETUPS)); p.add_argument('--n-actors', type=int, default=12)
    p.add_argument('--modalities', nargs='+', default=['audio', 'face'], help='of the uni-modal setups')
    p.add_argument('--n-unlabelled', nargs='+', type=int, default=[None],
                   help="unlabelled clips to use (paper Fig. 6); runs are named <setup>-u<n>-...")
    p.add_argument('--ravdess-dir', default=None); p.add_argument('--au-dir', default=None)
    p.add_argument('--schedule', default='cpu'); p.add_argument('--collect-only', action='store_true')
    a = p.parse_args(); root = Path(a.root)
    if not a.collect_only:
        from img2audio.experiment import run_experiment
        from img2audio.ctgan import MULTIMODAL as MULTI
        for fold in a.folds:
            for seed in a.seeds:
                for ds in a.datasets:
                    kw = dict(data_dir=a.ravdess_dir, au_dir=a.au_dir) if ds == 'ravdess' else dict(n_actors=a.n_actors)
                    for s in a.setups:
                        for mod, nu in product(['audio'] if s in MULTI else a.modalities, a.n_unlabelled):
                            t0 = time.perf_counter()
                            tag = ('' if s in MULTI else f'-{mod}') + ('' if nu is None else f'-u{nu}')
                            name = f'{s}{tag}-fold{fold}-seed{seed}'
                            extra = ({} if s in MULTI else dict(modality=mod)) | ({} if nu is None else
                                                                                   dict(n_unlabelled=nu))
                            m = run_experiment(dataset=ds, method='ctgan', setup=s, schedule=a.schedule, seed=seed,
                                               fold=fold, device='cpu', progress=False, out_dir=root/ds/name,
                                               **extra, **kw)
                            print(f"{ds} {name}: {time.perf_counter() - t0:.0f}s UAR {m['uar']:.3f} "
                                  f"macro-F1 {m['macro_f1']:.3f}", flush=True)
    recs = collect(root)
    (root/'runs.json').write_text(json.dumps(recs, indent=1))
    print(f'{len(recs)} runs gathered into {root/"runs.json"}')

if __name__ == '__main__': main()
