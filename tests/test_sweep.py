"`img2audio sweep` end to end: a local submitit sweep of 6 tiny synthetic runs, skipped when started again, gathered; bad input."
import json, subprocess, sys, time, os
from pathlib import Path

import pandas as pd
import pytest

from img2audio.sweep import plan_sweep, sweep, submit, make_executor, _grid
from img2audio.experiment import main

ROOT = Path(__file__).resolve().parents[1]
TINY = dict(epochs=1, n_actors=8)


def test_local_sweep_of_six_runs(tmp_path):
    t0 = time.perf_counter()
    res = sweep('base', tmp_path, seeds=[0, 1], folds=[0, 1, 2], executor='local', workers=2, progress=False, **TINY)
    wall = time.perf_counter() - t0
    assert list(res.status) == ['done'] * 6, res
    assert sorted(p.name for p in tmp_path.iterdir() if (p/'metrics.json').exists()) == sorted(res.name)
    runs = pd.DataFrame(json.loads((tmp_path/'runs.json').read_text()))            # gathered with collect_runs
    assert len(runs) == 6 and sorted(zip(runs.seed, runs.fold)) == [(s, f) for s in (0, 1) for f in (0, 1, 2)]
    assert runs.accuracy.between(0, 1).all() and all(len(c) == 8 for c in runs.confusion)
    logs = list((tmp_path/'.submitit').glob('*_log.out'))
    assert len(logs) == 2                                                            # two local worker processes
    print(f'6 runs in {wall:.1f}s')
    t0 = time.perf_counter()
    again = sweep('base', tmp_path, seeds=[0, 1], folds=[0, 1, 2], executor='local', progress=False, **TINY)
    assert list(again.status) == ['done before'] * 6 and time.perf_counter() - t0 < 20   # nothing started again
    assert len(list((tmp_path/'.submitit').glob('*_log.out'))) == 2


def test_bad_sweeps_fail_before_submitting(tmp_path):
    with pytest.raises(ValueError, match='abaltion'): plan_sweep('image2audio', tmp_path, grid={'abaltion': ['all']})
    with pytest.raises(ValueError, match='choose one of'): make_executor('pbs', tmp_path)
    with pytest.raises(ValueError, match='name=value1,value2'): _grid(['ablation'])
    assert _grid(['ablation=base,all', 'n-gen=8']) == {'ablation': ['base', 'all'], 'n_gen': [8]}
    assert not (tmp_path/'.submitit').exists()


def test_cli_dry_run_and_slurm_script(tmp_path, capsys):
    rc = main(['sweep', '--method', 'image2audio', '--grid', 'ablation=base,all', 'pairing=unpaired', '--seeds', '0', '1', '2',
               '--folds', '0', '1', '2', '3', '--root', str(tmp_path), '--executor', 'slurm', '--partition', 'gpu', '--gpus', '1',
               '--time', '60', '--array-parallelism', '8', '--dry-run'])
    out = capsys.readouterr().out
    assert rc == 0 and out.count('to run') == 24
    for line in ('#SBATCH --partition=gpu', '#SBATCH --array=0-23%8', '#SBATCH --gpus-per-node=1', '#SBATCH --time=60'):
        assert line in out, line
    assert main(['sweep', '--method', 'base', '--root', str(tmp_path), '--bogus-option', '3', '--dry-run']) == 2
    assert 'bogus_option' in capsys.readouterr().err


def test_console_script_lists_sweep():
    r = subprocess.run([sys.executable, '-c', 'from img2audio.experiment import main; main(["--help"])'], capture_output=True,
                       text=True, env={**os.environ, 'PYTHONPATH': str(ROOT)})
    assert 'sweep' in r.stdout
