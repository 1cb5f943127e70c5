"""Run dacssGAN's grid (paper 001: three conditions, EncDec/U-Net, with and without L1), then gather it.

    OMP_NUM_THREADS=1 python scripts/run_dacssgan.py --root ../runs_dacssgan --datasets ravdess synthetic \
        --seeds 0 1 2 --folds 0 1 2 3 --conditions label classifier conformal --variants encdec \
        --ravdess-dir /path/to/ravdess --au-dir /path/to/ravdess_aus \
        --merge results/dacssgan_runs.json
    # Table 1's ablations, one fold: --folds 0 --variants unet nol1 (U-Net needs face images: synthetic only)

One process, one run at a time (`run_experiment(method='dacssgan', …)`), fold by fold and seed by seed. A finished
run folder is returned as is, so the script can be stopped and started again; with `--merge FILE`, runs already
recorded in FILE (e.g. the committed `results/dacssgan_runs.json`) are skipped and the new ones are added to it, so
that the grid can be filled over several sessions or machines. Every finished run below `--root` is gathered into
`<root>/runs.json` (configuration, metrics, diagnostics, GAN curves; no corpus data, no generations).
"""
import argparse, json, os, time
from pathlib import Path

VARIANTS = {'encdec': dict(generator='encdec', l1=True), 'unet': dict(generator='unet', l1=True),
            'nol1': dict(generator='encdec', l1=False)}
DROP = ('wavs', 'per_class_recall')

def run_name(cond:str, variant:str, fold:int, seed:int)->str: return f'{cond}-{variant}-fold{fold}-seed{seed}'

def record(run:Path)->dict|None:
    "One finished dacssgan run folder as a record, or None."
    m = run/'metrics.json'
    if not m.exists(): return None
    cfg = json.loads((run/'config.json').read_text())['params']
    if cfg.get('method') != 'dacssgan': return None
    met = {k: v for k, v in json.loads(m.read_text()).items() if k not in DROP}
    t = json.loads((run/'timings.json').read_text()) if (run/'timings.json').exists() else {}
    hist = json.loads((run/'gan_history.json').read_text()) if (run/'gan_history.json').exists() else []
    variant = 'nol1' if not cfg.get('l1', True) else cfg.get('generator', 'encdec')
    return {**met, 'run': run.name, 'dataset': cfg['dataset'], 'seed': cfg['seed'], 'fold': cfg.get('fold', 0),
            'schedule': cfg.get('schedule', 'cpu'), 'condition': cfg.get('condition', 'conformal'),
            'variant': variant, 'method_seconds': t.get('method'), 'total_seconds': t.get('total'),
            'torch_threads': cfg.get('torch_threads'), 'gan_history': hist}

def collect(root:Path)->list:
    "One record per finished dacssgan run below root."
    return [r for m in sorted(root.rglob('metrics.json')) if (r := record(m.parent))]

def key(r:dict)->tuple: return (r['dataset'], r['schedule'], r['run'])

def merge(old:list, new:list)->list:
    "Records of both, the newer one winning on the same (dataset, schedule, run)."
    d = {key(r): r for r in old}
    d.update({key(r): r for r in new})
    return sorted(d.values(), key=key)

def write_atomic(path:Path, recs:list):
    tmp = path.with_suffix(path.suffix + '.tmp')
    tmp.write_text(json.dumps(recs, indent=1))
    os.replace(tmp, path)

def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--root', default='runs/dacssgan')
    p.add_argument('--datasets', nargs='+', default=['synthetic'])
    p.add_argument('--seeds', nargs='+', type=int, default=[0, 1, 2])
    p.add_argument('--folds', nargs='+', type=int, default=[0])
    p.add_argument('--conditions', nargs='+', default=['label', 'classifier', 'conformal'])
    p.add_argument('--variants', nargs='+', default=['encdec'], choices=tuple(VARIANTS))
    p.add_argument('--n-actors', type=int, default=12, help="synthetic corpus size (12: RAVDESS 1-12's)")
    p.add_argument('--ravdess-dir', default=None)
    p.add_argument('--au-dir', default=None)
    p.add_argument('--schedule', default='cpu')
    p.add_argument('--merge', default=None, help='a records file: skip the runs it holds, add the new ones to it')
    p.add_argument('--collect-only', action='store_true')
    a = p.parse_args()
    root = Path(a.root)
    old = json.loads(Path(a.merge).read_text()) if a.merge and Path(a.merge).exists() else []
    done = {key(r) for r in old}
    if not a.collect_only:
        from img2audio.experiment import run_experiment
        for fold in a.folds:
            for seed in a.seeds:
                for ds in a.datasets:
                    kw = dict(data_dir=a.ravdess_dir, au_dir=a.au_dir) if ds == 'ravdess' else dict(n_actors=a.n_actors)
                    for var in a.variants:
                        if var == 'unet' and ds != 'synthetic': continue
                        for cond in a.conditions:
                            name = run_name(cond, var, fold, seed)
                            if (ds, a.schedule, name) in done: continue
                            t0 = time.perf_counter()
                            m = run_experiment(dataset=ds, method='dacssgan', condition=cond, **VARIANTS[var],
                                               schedule=a.schedule, seed=seed, fold=fold, device='cpu',
                                               progress=False, out_dir=root/ds/a.schedule/name, **kw)
                            print(f"{ds} {name}: {time.perf_counter() - t0:.0f}s accuracy {m['accuracy']:.3f} "
                                  f"(Base {m['base_accuracy']:.3f}), judge on generations {m['judge_acc_gen']:.3f}",
                                  flush=True)
    recs = collect(root)
    root.mkdir(parents=True, exist_ok=True)
    write_atomic(root/'runs.json', recs)
    print(f'{len(recs)} runs gathered into {root/"runs.json"}')
    if a.merge:
        allr = merge(old, recs)
        write_atomic(Path(a.merge), allr)
        print(f'{len(allr)} runs in {a.merge} ({len(allr) - len(old)} new)')

if __name__ == '__main__': main()
