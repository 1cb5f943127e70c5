"""Run every cell of Image2Audio's Table 1 as one papermill run, then gather them.

    python scripts/run_table1.py --root runs/table1 --seeds 0 1 2 --workers 2 \
        --settings synthetic:unpaired synthetic:paired ravdess:unpaired \
        --ravdess-dir ../shared/data/ravdess_speech --face-dirs ../shared/data/ckplus48

Each run is `papermill nbs/run_experiment.ipynb <root>/<name>.ipynb -p method image2audio -p ablation … -p pairing … -p seed …
-p out_dir <root>/<name>`, started with OMP_NUM_THREADS=<threads> so that `--workers` runs share the CPU without oversubscribing
it. A finished run folder is returned as is (the run folder guard), an interrupted one resumes from its last round, so the script
can be stopped and started again. At the end (and with `--collect-only`) the finished runs are gathered with
`img2audio.results.collect_runs` into `<root>/runs.json` (one record per run: configuration, metrics, confusion matrix), which
`nbs/14_table1.ipynb` reads.
"""
import argparse, json, os, subprocess, sys, time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ABLATIONS = ('base', 'no_low_no_rel', 'no_low', 'no_high_no_rel', 'all')

def plan(args):
    "(name, papermill -p arguments) of every Table 1 cell asked for; 'base' is shared by the pairings of a dataset."
    jobs = []
    for seed in args.seeds:                                                # seed first: a stopped sweep leaves whole seeds
        for setting in args.settings:
            ds, pairing = setting.split(':')
            for abl in args.ablations:
                if abl == 'base' and pairing != 'unpaired': continue       # Base has no translator: one run serves both pairings
                name = f'{ds}-{pairing}-{abl}-s{seed}'
                p = dict(dataset=ds, method='image2audio', ablation=abl, pairing=pairing, seed=seed, device=args.device,
                         out_dir=str(Path(args.root)/name))
                if ds == 'ravdess': p.update(data_dir=args.ravdess_dir, face_dirs=args.face_dirs)
                if args.rounds: p['rounds'] = args.rounds
                jobs.append((name, p))
    return jobs

def run_one(job, args):
    name, p = job
    root = Path(args.root); out_nb = root/f'{name}.ipynb'
    if (Path(p['out_dir'])/'metrics.json').exists(): return name, 0, 0.0, 'done before'
    cmd = [sys.executable, '-m', 'papermill', '--no-progress-bar', 'nbs/run_experiment.ipynb', str(out_nb)]
    for k, v in p.items(): cmd += ['-p', k, str(v)]
    env = {**os.environ, 'OMP_NUM_THREADS': str(args.threads), 'MKL_NUM_THREADS': str(args.threads)}
    t0 = time.perf_counter()
    with open(root/f'{name}.log', 'w') as log: rc = subprocess.call(cmd, stdout=log, stderr=subprocess.STDOUT, env=env)
    return name, rc, time.perf_counter() - t0, ''

def collect(root):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from img2audio.results import collect_runs
    runs = collect_runs(root)
    recs = []
    for r in runs.to_dict('records'):
        m = json.loads((Path(r['run'])/'metrics.json').read_text())
        t = json.loads((Path(r['run'])/'timings.json').read_text()) if (Path(r['run'])/'timings.json').exists() else {}
        r.update(run=Path(r['run']).name, classes=m.get('classes'), confusion=m.get('confusion'), method_seconds=t.get('method'))
        recs.append({k: (None if isinstance(v, float) and v != v else v) for k, v in r.items()})
    (Path(root)/'runs.json').write_text(json.dumps(recs, indent=1))
    return len(recs)

def main():
    a = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    a.add_argument('--root', default='runs/table1'); a.add_argument('--seeds', nargs='+', type=int, default=[0, 1, 2])
    a.add_argument('--settings', nargs='+', default=['synthetic:unpaired', 'synthetic:paired'])
    a.add_argument('--ablations', nargs='+', default=list(ABLATIONS), choices=ABLATIONS)
    a.add_argument('--ravdess-dir', default='../shared/data/ravdess_speech'); a.add_argument('--face-dirs', default='../shared/data/ckplus48')
    a.add_argument('--workers', type=int, default=2); a.add_argument('--threads', type=int, default=1)
    a.add_argument('--device', default='auto'); a.add_argument('--rounds', type=int, default=None)
    a.add_argument('--collect-only', action='store_true')
    args = a.parse_args()
    Path(args.root).mkdir(parents=True, exist_ok=True)
    if not args.collect_only:
        jobs = plan(args)
        print(f'{len(jobs)} runs, {args.workers} at a time', flush=True)
        with ThreadPoolExecutor(args.workers) as ex:
            for name, rc, sec, note in ex.map(lambda j: run_one(j, args), jobs):
                print(f'{name}: rc {rc} {sec:.0f}s {note}', flush=True)
    print(f'collected {collect(args.root)} finished runs into {Path(args.root)/"runs.json"}')

if __name__ == '__main__': main()
