"""Run every cell of Image2Audio's Table 1 (a thin wrapper of `img2audio sweep`'s machinery), then gather them.

    python scripts/run_table1.py --root runs/table1 --seeds 0 1 2 --folds 0 1 2 3 --workers 2 \
        --settings synthetic:unpaired synthetic:paired ravdess:unpaired ravdess:paired --ablations base all \
        --ravdess-dir /path/to/ravdess --face-dirs /path/to/ckplus48 \
        --au-dir /path/to/ravdess_aus

`ravdess:paired` is the paper's P column on RAVDESS: each clip's OpenFace action units (`--au-dir`) are its paired face
side, with the CK+48 pool (`--face-dirs`) as the IFER faces.

Table 1's plan (every ablation × setting × seed; the Base run is shared by a dataset's pairings) is run with `img2audio.sweep.submit`
(submitit: `--executor local` runs `--workers` processes with OMP_NUM_THREADS=<threads>; `--executor slurm` one array task per
run, see `img2audio sweep --help` for the SLURM options). A finished run folder is skipped, an interrupted one resumes from its last
round, so the script can be stopped and started again. At the end (and with `--collect-only`) the finished runs are gathered with
`img2audio.sweep.gather` (`img2audio.results.collect_runs` + confusion counts) into `<root>/runs.json`, which
`nbs/14_table1.ipynb` reads. For any other grid use `img2audio sweep` directly.
"""
import argparse, sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from img2audio.sweep import submit, gather, is_finished, EXECUTORS
from img2audio.experiment import _parse_value
from img2audio.corpora import research_data
from img2audio.image2audio import ABLATIONS

def plan(args):
    "(name, run_experiment arguments) of every Table 1 cell asked for; 'base' is shared by the pairings of a dataset."
    jobs = []
    grid = ((s, f, st) for s in args.seeds for f in args.folds for st in args.settings)   # seed first
    for seed, fold, setting in grid:
        ds, pairing = setting.split(':')
        for abl in args.ablations:
            if abl == 'base' and pairing != 'unpaired': continue   # Base has no translator: one run serves both pairings
            name = f'{ds}-{pairing}-{abl}-f{fold}-s{seed}'
            p = dict(dataset=ds, method='image2audio', ablation=abl, pairing=pairing, seed=seed, fold=fold,
                     device=args.device, out_dir=str(Path(args.root)/name))
            if ds == 'ravdess': p.update(data_dir=args.ravdess_dir, face_dirs=args.face_dirs)
            if ds == 'ravdess' and pairing == 'paired': p['au_dir'] = args.au_dir
            if ds == 'synthetic' and args.n_actors: p['n_actors'] = args.n_actors
            if args.rounds: p['rounds'] = args.rounds
            p.update(options(args))
            jobs.append((name, p))
    return jobs

def options(args)->dict:
    "The method options given as --option KEY=VALUE (checked by the method registry when each run starts)."
    out = {}
    for kv in getattr(args, 'option', None) or []:
        if '=' not in kv: raise SystemExit(f"--option {kv!r}: write KEY=VALUE, e.g. --option ent_weight=0")
        k, v = kv.split('=', 1)
        out[k.strip()] = _parse_value(v.strip())
    return out

def jobs_of(args)->list:
    "The plan as sweep jobs (name + run_experiment keyword arguments)."
    return [{'name': name, 'kwargs': p} for name, p in plan(args)]

def collect(root)->int:
    "Gather the finished runs below root into root/runs.json; returns how many."
    return len(gather(root))

def main():
    a = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    a.add_argument('--root', default='runs/table1'); a.add_argument('--seeds', nargs='+', type=int, default=[0, 1, 2])
    a.add_argument('--folds', nargs='+', type=int, default=[0], choices=range(4))
    a.add_argument('--n-actors', type=int, default=None, help='synthetic corpus size (default: the run default)')
    a.add_argument('--au-dir', default=research_data('ravdess_face_aus'),
                   help='OpenFace CSVs: the paired face side of ravdess:paired')
    a.add_argument('--settings', nargs='+', default=['synthetic:unpaired', 'synthetic:paired'])
    a.add_argument('--ablations', nargs='+', default=list(ABLATIONS), choices=ABLATIONS)
    a.add_argument('--ravdess-dir', default=research_data('ravdess_speech'), help='default: $IMG2AUDIO_DATA/ravdess_speech')
    a.add_argument('--face-dirs', default=research_data('ckplus48'), help='default: $IMG2AUDIO_DATA/ckplus48')
    a.add_argument('--workers', type=int, default=2); a.add_argument('--threads', type=int, default=1)
    a.add_argument('--executor', default='local', choices=EXECUTORS)
    a.add_argument('--device', default='auto'); a.add_argument('--rounds', type=int, default=None)
    a.add_argument('--option', action='append', metavar='KEY=VALUE',
                   help="a method option for every run, e.g. --option ent_weight=0 (use its own --root)")
    a.add_argument('--collect-only', action='store_true')
    args = a.parse_args()
    Path(args.root).mkdir(parents=True, exist_ok=True)
    if not args.collect_only:
        jobs = jobs_of(args)
        done = sum(map(is_finished, jobs))
        print(f'{len(jobs)} runs ({done} finished before), {args.workers} at a time', flush=True)
        for r in submit(jobs, args.root, args.executor, args.workers, args.threads):
            print(f"{r['name']}: {r['status']} {r.get('seconds', 0):.0f}s", flush=True)
    print(f'collected {collect(args.root)} finished runs into {Path(args.root)/"runs.json"}')

if __name__ == '__main__': main()
