"The Table 1 sweep script: which papermill runs it plans, and what it gathers from finished run folders."
import importlib.util, json
from argparse import Namespace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
spec = importlib.util.spec_from_file_location('run_table1', ROOT / 'scripts' / 'run_table1.py')
rt = importlib.util.module_from_spec(spec); spec.loader.exec_module(rt)


def _args(tmp_path, **kw):
    return Namespace(**{**dict(root=str(tmp_path), seeds=[0, 1], settings=['synthetic:unpaired', 'synthetic:paired', 'ravdess:unpaired'],
                               ablations=list(rt.ABLATIONS), ravdess_dir='/data/rav', face_dirs='/data/ck', device='cpu',
                               rounds=None, folds=[0], n_actors=None, au_dir='/data/aus'), **kw})


def test_plan_covers_table1(tmp_path):
    jobs = rt.plan(_args(tmp_path))
    names = [n for n, _ in jobs]
    assert len(names) == len(set(names)) == 2 * (5 + 4 + 5)            # Base is shared by the pairings: no 'synthetic-paired-base'
    assert 'synthetic-paired-base-f0-s0' not in names and 'synthetic-paired-all-f0-s1' in names
    assert names[:14] == [n for n in names if n.endswith('-s0')]          # seed first: a stopped sweep leaves whole seeds
    p = dict(jobs)['ravdess-unpaired-all-f0-s1']
    assert p == dict(dataset='ravdess', method='image2audio', ablation='all', pairing='unpaired', seed=1, fold=0,
                     device='cpu', out_dir=str(tmp_path / 'ravdess-unpaired-all-f0-s1'), data_dir='/data/rav', face_dirs='/data/ck')
    assert 'data_dir' not in dict(jobs)['synthetic-unpaired-all-f0-s0']
    assert dict(rt.plan(_args(tmp_path, rounds=2)))['synthetic-unpaired-all-f0-s0']['rounds'] == 2


def test_plan_over_folds_and_the_au_p_setting(tmp_path):
    "Folds multiply the plan; ravdess:paired takes the AU folder; the synthetic corpus size is passed on."
    jobs = dict(rt.plan(_args(tmp_path, seeds=[0], folds=[0, 3], settings=['ravdess:paired', 'synthetic:unpaired'],
                              ablations=['base', 'all'], n_actors=8)))
    assert sorted(jobs) == ['ravdess-paired-all-f0-s0', 'ravdess-paired-all-f3-s0', 'synthetic-unpaired-all-f0-s0',
                            'synthetic-unpaired-all-f3-s0', 'synthetic-unpaired-base-f0-s0',
                            'synthetic-unpaired-base-f3-s0']
    assert jobs['ravdess-paired-all-f3-s0']['au_dir'] == '/data/aus' and jobs['ravdess-paired-all-f3-s0']['fold'] == 3
    assert 'au_dir' not in jobs['synthetic-unpaired-all-f0-s0']
    assert jobs['synthetic-unpaired-base-f3-s0']['n_actors'] == 8
    with_opt = dict(rt.plan(_args(tmp_path, seeds=[0], settings=['synthetic:unpaired'], ablations=['all'],
                                  option=['ent_weight=0', 'gate_net=dis_t'])))
    assert with_opt['synthetic-unpaired-all-f0-s0']['ent_weight'] == 0
    assert with_opt['synthetic-unpaired-all-f0-s0']['gate_net'] == 'dis_t'


def test_finished_runs_are_skipped_and_gathered(tmp_path):
    run = tmp_path / 'synthetic-unpaired-all-s0'; run.mkdir()
    (run / 'config.json').write_text(json.dumps({'params': {'dataset': 'synthetic', 'method': 'image2audio', 'seed': 0,
                                                            'ablation': 'all', 'pairing': 'unpaired'}}))
    (run / 'metrics.json').write_text(json.dumps({'accuracy': 0.5, 'base_accuracy': 0.4, 'classes': ['a', 'b'],
                                                  'confusion': [[1, 1], [0, 2]], 'fid_high': float('nan'),
                                                  'eps': [0.0, 0.4], 'path_accuracy': [None, 0.3]}))
    (run / 'timings.json').write_text(json.dumps({'method': 12.5}))
    (tmp_path / 'unfinished').mkdir()
    rec, = rt.submit([{'name': 'synthetic-unpaired-all-s0', 'kwargs': {'out_dir': str(run)}}], tmp_path)
    assert rec['status'] == 'done before'                                 # never re-run, never overwritten (no executor started)
    assert [j['name'] for j in rt.jobs_of(_args(tmp_path))] == [n for n, _ in rt.plan(_args(tmp_path))]
    assert rt.collect(tmp_path) == 1
    rec, = json.loads((tmp_path / 'runs.json').read_text())
    assert rec['run'] == 'synthetic-unpaired-all-s0' and rec['confusion'] == [[1, 1], [0, 2]] and rec['method_seconds'] == 12.5
    assert rec['accuracy'] == 0.5 and rec['base_accuracy'] == 0.4 and rec['fid_high'] is None     # NaN → null, valid JSON
    assert rec['series'] == {'eps': [0.0, 0.4], 'path_accuracy': [None, 0.3]}          # per-round diagnostics kept
