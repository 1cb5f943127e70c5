"""Run dacssGAN's grid (paper 001: three conditions, EncDec/U-Net, with and without L1), then gather it.

    OMP_NUM_THREADS=1 python scripts/run_dacssgan.py --root ../runs_dacssgan --datasets ravdess synthetic \
        --seeds 0 1 2 --folds 0 1 2 3 --conditions label classifier conformal --variants encdec \
        --ravdess-dir /path/to/ravdess --au-dir /path/to/ravdess_aus \
        --merge results/dacssgan_runs.json
    # Table 1's ablations, one fold: --folds 0 --variants unet nol1 (U-Net needs face images: synthetic only)

A sweep (`img2audio.sweep.plan_sweep` over the conditions, per dataset and variant) run in this process, one run at a
time. A finished run folder is skipped, so the script can be stopped and started again; with `--merge FILE`, runs
already recorded in FILE (e.g. the committed `results/dacssgan_runs.json`) are skipped and the new ones are added to it,
so that the grid can be filled over several sessions or machines. Every finished run below `--root` is gathered
(`img2audio.sweep.records`: metrics, the method's resolved options, the code commit, timings) with its GAN curves into
`<root>/runs.json` (no corpus data, no generations).
"""
import argparse, json, os
from pathlib import Path
from img2audio.sweep import plan_sweep, run_jobs, run_record

VARIANTS = {'encdec': dict(generator='encdec', l1=True), 'unet': dict(generator='unet', l1=True),
            'nol1': dict(generator='encdec', l1=False)}
DROP = ('wavs', 'per_class_recall')

def run_name(cond:str, variant:str, fold:int, seed:int)->str: return f'{cond}-{variant}-fold{fold}-seed{seed}'

def _variant(opts:dict)->str: return 'nol1' if not opts.get('l1', True) else opts.get('generator', 'encdec')

def collect(root:Path)->list:
    "One record per finished dacssgan run below root (`run_record`), named by its variant, with its GAN curves."
    out = []
    for m in sorted(Path(root).rglob('metrics.json')):
        r = run_record(m.parent)
        if r is None or r['method'] != 'dacssgan': continue
        h = m.parent/'gan_history.json'
        opts = {'schedule': 'cpu', 'condition': 'conformal', **r['options']}
        out.append({**opts, **{k: v for k, v in r.items() if k not in DROP}, 'variant': _variant(opts),
                    'gan_history': json.loads(h.read_text()) if h.exists() else []})
    return out

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

def plan(a, done:set)->list:
    "The grid's jobs, fold and seed outermost; the runs recorded in `done` left out."
    jobs = []
    for fold, seed, ds, var in ((f, s, d, v) for f in a.folds for s in a.seeds for d in a.datasets for v in a.variants):
        if var == 'unet' and ds != 'synthetic': continue
        kw = dict(data_dir=a.ravdess_dir, au_dir=a.au_dir) if ds == 'ravdess' else dict(n_actors=a.n_actors)
        name = lambda d, o, f, s: f"{d}/{a.schedule}/{run_name(o['condition'], var, f, s)}"
        jobs += plan_sweep('dacssgan', a.root, {'condition': a.conditions}, [seed], [fold], name, dataset=ds,
                           schedule=a.schedule, device='cpu', **VARIANTS[var], **kw)
    return [j for j in jobs if tuple(j['name'].split('/')) not in done]

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
    if not a.collect_only:
        for r in run_jobs(plan(a, {key(r) for r in old}), threads=None):
            print(f"{r['name']}: {r['status']} ({r['seconds']:.0f}s)", flush=True)
    recs = collect(root)
    root.mkdir(parents=True, exist_ok=True)
    write_atomic(root/'runs.json', recs)
    print(f'{len(recs)} runs gathered into {root/"runs.json"}')
    if a.merge:
        allr = merge(old, recs)
        write_atomic(Path(a.merge), allr)
        print(f'{len(allr)} runs in {a.merge} ({len(allr) - len(old)} new)')

if __name__ == '__main__': main()
