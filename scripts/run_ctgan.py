"""Run CT-GAN's five setups (paper 004) one after the other, then gather them.

    OMP_NUM_THREADS=1 python scripts/run_ctgan.py --root ../runs_ctgan --datasets ravdess synthetic \
        --seeds 0 1 2 --folds 0 1 2 3 --modalities audio face \
        --ravdess-dir /path/to/ravdess --au-dir /path/to/ravdess_aus

A sweep (`img2audio.sweep.plan_sweep` over the setups, their modalities and the unlabelled quantities) run in this
process, one run at a time, seed by seed so that a stopped sweep leaves whole seeds; uni-modal setups run once per
`--modalities` entry. Paper Fig. 6's curve: `--datasets synthetic --n-actors 8 --setups mssgan --folds 0
--n-unlabelled 0 60 120 180`. A finished run folder is skipped, so the script can be stopped and started again. The
synthetic corpus has `--n-actors` actors (default 12, RAVDESS 1-12's size; the measured grid used 8). At the end (and
with `--collect-only`) every finished ctgan run below `--root` is gathered (`img2audio.sweep.run_record`: metrics, the
method's resolved options, the code commit, timings) into `<root>/runs.json` (no corpus data).
"""
import argparse, json
from pathlib import Path
from img2audio.ctgan import SETUPS, MULTIMODAL
from img2audio.sweep import plan_sweep, run_jobs, records

def collect(root:Path)->list:
    "One record per finished ctgan run below root: its options, then its metrics (`run_record`)."
    return [{**r['options'], **r} for r in records(root, 'ctgan')]

def _name(ds:str, o:dict, fold:int, seed:int)->str:
    tag = ('' if o['setup'] in MULTIMODAL else f"-{o['modality']}") + ('' if o['n_unlabelled'] is None
                                                                       else f"-u{o['n_unlabelled']}")
    return f"{ds}/{o['setup']}{tag}-fold{fold}-seed{seed}"

def plan(a)->list:
    "The grid's jobs: per seed, fold and dataset, the multimodal setups and the uni-modal ones × modalities."
    jobs = []
    multi, uni = [s for s in a.setups if s in MULTIMODAL], [s for s in a.setups if s not in MULTIMODAL]
    grids = [g for g in ({'setup': multi}, {'setup': uni, 'modality': a.modalities}) if g['setup']]
    for fold, seed, ds in ((f, s, d) for f in a.folds for s in a.seeds for d in a.datasets):
        kw = dict(data_dir=a.ravdess_dir, au_dir=a.au_dir) if ds == 'ravdess' else dict(n_actors=a.n_actors)
        for g in grids:
            jobs += plan_sweep('ctgan', a.root, {**g, 'n_unlabelled': a.n_unlabelled}, [seed], [fold], _name,
                               dataset=ds, schedule=a.schedule, device='cpu', **kw)
    return jobs

def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--root', default='runs/ctgan')
    p.add_argument('--datasets', nargs='+', default=['synthetic'])
    p.add_argument('--seeds', nargs='+', type=int, default=[0, 1, 2])
    p.add_argument('--folds', nargs='+', type=int, default=[0])
    p.add_argument('--setups', nargs='+', default=list(SETUPS))
    p.add_argument('--n-actors', type=int, default=12)
    p.add_argument('--modalities', nargs='+', default=['audio', 'face'], help='of the uni-modal setups')
    p.add_argument('--n-unlabelled', nargs='+', type=int, default=[None],
                   help="unlabelled clips to use (paper Fig. 6); runs are named <setup>-u<n>-...")
    p.add_argument('--ravdess-dir', default=None)
    p.add_argument('--au-dir', default=None)
    p.add_argument('--schedule', default='cpu')
    p.add_argument('--collect-only', action='store_true')
    a = p.parse_args()
    root = Path(a.root)
    if not a.collect_only:
        for r in run_jobs(plan(a), threads=None):
            print(f"{r['name']}: {r['status']} ({r['seconds']:.0f}s)", flush=True)
    recs = collect(root)
    root.mkdir(parents=True, exist_ok=True)
    (root/'runs.json').write_text(json.dumps(recs, indent=1))
    print(f'{len(recs)} runs gathered into {root/"runs.json"}')

if __name__ == '__main__': main()
