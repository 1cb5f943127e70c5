"The grid drivers under scripts/: what they gather from run folders, and how records from several sessions merge."
import importlib.util, json, sys
from pathlib import Path
import pytest

ROOT = Path(__file__).resolve().parents[1]

def load_script(name):
    spec = importlib.util.spec_from_file_location(name, ROOT/'scripts'/f'{name}.py')
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod

def fake_run(folder:Path, params:dict, metrics:dict, history=None):
    "A finished run folder as run_experiment leaves it (only the files the drivers read)."
    folder.mkdir(parents=True)
    (folder/'config.json').write_text(json.dumps({'params': params}))
    (folder/'timings.json').write_text(json.dumps({'method': 12.5, 'total': 14.0}))
    if history is not None: (folder/'gan_history.json').write_text(json.dumps(history))
    (folder/'metrics.json').write_text(json.dumps(metrics))

@pytest.fixture
def dacss(): return load_script('run_dacssgan')

def test_dacssgan_records_name_the_variant_and_drop_bulky_fields(tmp_path, dacss):
    p = dict(method='dacssgan', dataset='ravdess', seed=1, fold=2, condition='label', generator='encdec', l1=False)
    fake_run(tmp_path/'r'/'label-nol1-fold2-seed1', p, {'accuracy': .5, 'base_accuracy': .4, 'wavs': ['a.wav']},
             [{'epoch': 1, 'd_loss': 1.0}])
    fake_run(tmp_path/'r'/'other', dict(method='base', dataset='ravdess', seed=0), {'accuracy': .3})
    recs = dacss.collect(tmp_path/'r')
    assert len(recs) == 1                                   # the Base run is not a dacssgan record
    r = recs[0]
    assert (r['variant'], r['condition'], r['fold'], r['method_seconds']) == ('nol1', 'label', 2, 12.5)
    assert 'wavs' not in r and r['gan_history'] == [{'epoch': 1, 'd_loss': 1.0}]

def test_dacssgan_merge_keeps_old_runs_and_prefers_new(dacss):
    old = [{'dataset': 'ravdess', 'schedule': 'cpu', 'run': 'a', 'accuracy': .1},
           {'dataset': 'ravdess', 'schedule': 'cpu', 'run': 'b', 'accuracy': .2}]
    new = [{'dataset': 'ravdess', 'schedule': 'cpu', 'run': 'b', 'accuracy': .3},
           {'dataset': 'synthetic', 'schedule': 'cpu', 'run': 'b', 'accuracy': .4}]
    m = dacss.merge(old, new)
    assert [(r['dataset'], r['run'], r['accuracy']) for r in m] == [('ravdess', 'a', .1), ('ravdess', 'b', .3),
                                                                     ('synthetic', 'b', .4)]

def test_dacssgan_driver_skips_runs_already_merged(tmp_path, dacss, monkeypatch):
    "With --merge, a run recorded in the file is not run again; --collect-only writes both files atomically."
    merged = tmp_path/'all.json'
    merged.write_text(json.dumps([{'dataset': 'synthetic', 'schedule': 'cpu', 'run': 'label-encdec-fold0-seed0'}]))
    calls = []
    import img2audio.experiment as ex
    monkeypatch.setattr(ex, 'run_experiment', lambda **kw: calls.append(kw) or {})
    monkeypatch.setattr(sys, 'argv', ['x', '--root', str(tmp_path/'r'), '--seeds', '0', '--conditions', 'label',
                                      '--merge', str(merged)])
    dacss.main()
    assert calls == []
    assert json.loads(merged.read_text())[0]['run'] == 'label-encdec-fold0-seed0'
    assert (tmp_path/'r'/'runs.json').exists() and not list(tmp_path.rglob('*.tmp'))

def test_ctgan_records_carry_the_unlabelled_quantity(tmp_path):
    ct = load_script('run_ctgan')
    p = dict(method='ctgan', dataset='synthetic', seed=0, fold=0, setup='mssgan', n_unlabelled=60)
    fake_run(tmp_path/'mssgan-u60-fold0-seed0', p, {'setup': 'mssgan', 'modality': 'audio+face', 'uar': .3,
                                                    'n_unlab': 60})
    (r,) = ct.collect(tmp_path)
    assert (r['n_unlabelled'], r['n_unlab'], r['modality'], r['method_seconds']) == (60, 60, 'audio+face', 12.5)

def test_drivers_plan_sweeps_with_their_run_names(tmp_path):
    "Both drivers are sweeps (`plan_sweep`) over the method's options, named as before so that old records still match."
    import argparse
    d = load_script('run_dacssgan')
    a = argparse.Namespace(root=str(tmp_path), datasets=['synthetic'], seeds=[0], folds=[0, 1], n_actors=8,
                           conditions=['label', 'conformal'], variants=['encdec', 'nol1'], ravdess_dir=None,
                           au_dir=None, schedule='cpu')
    jobs = d.plan(a, {('synthetic', 'cpu', 'label-nol1-fold1-seed0')})     # already recorded: left out
    assert len(jobs) == 7 and jobs[0]['name'] == 'synthetic/cpu/label-encdec-fold0-seed0'
    assert jobs[2]['kwargs']['l1'] is False and all(j['kwargs']['method'] == 'dacssgan' for j in jobs)
    ct = load_script('run_ctgan')
    a = argparse.Namespace(root=str(tmp_path), datasets=['synthetic'], seeds=[0], folds=[0], n_actors=8,
                           setups=['mssgan', 'fsbase'], modalities=['audio', 'face'], n_unlabelled=[None, 60],
                           ravdess_dir=None, au_dir=None, schedule='cpu')
    assert [j['name'] for j in ct.plan(a)] == [
        'synthetic/mssgan-fold0-seed0', 'synthetic/mssgan-u60-fold0-seed0', 'synthetic/fsbase-audio-fold0-seed0',
        'synthetic/fsbase-audio-u60-fold0-seed0', 'synthetic/fsbase-face-fold0-seed0', 'synthetic/fsbase-face-u60-fold0-seed0']

def test_records_carry_the_resolved_options_and_the_commit(tmp_path):
    from img2audio.sweep import run_record
    p = dict(method='ctgan', dataset='synthetic', seed=0, fold=0, setup='ssgan', modality='face', n_unlabelled=None)
    fake_run(tmp_path/'r', p, {'uar': .3})
    r = run_record(tmp_path/'r')
    assert r['options'] == {'modality': 'face', 'n_unlabelled': None, 'setup': 'ssgan'} and 'commit' in r
