"The open method interface, folds, paired action units, linked corpora and failed starts (issue: install, interface, AUs, folds)."
import json, os, subprocess, sys
from pathlib import Path
import numpy as np, pandas as pd, pytest
from PIL import Image
from img2audio.experiment import run_experiment, resolve_config, main
from img2audio.methods import METHODS, load_methods, register_method, opt
from img2audio.runs import load_experiment_data
from test_pipeline import make_ravdess, make_faces

ROOT = Path(__file__).resolve().parents[1]
SMALL = dict(n_actors=8, epochs=1, device='cpu', progress=False)


def test_misspelt_and_foreign_options_are_refused_by_name(tmp_path):
    with pytest.raises(ValueError, match=r"unknown option 'lamda' for method='image2audio'; did you mean 'lam'\?"):
        run_experiment(method='image2audio', lamda=1, out_dir=tmp_path/'x', **SMALL)
    with pytest.raises(ValueError, match="option 'ablation' belongs to method 'image2audio', not to method='base'"):
        run_experiment(ablation='all', out_dir=tmp_path/'x', **SMALL)
    with pytest.raises(ValueError, match=r"ablation='everything' is not accepted; use one of"):
        resolve_config(method='image2audio', ablation='everything')
    assert not (tmp_path/'x').exists()


def test_experiment_module_names_no_method():
    src = (ROOT/'img2audio'/'experiment.py').read_text()
    for m in load_methods():
        if m != 'base': assert f"'{m}'" not in src, m


def test_no_circular_imports():
    "The package's module-level imports form a graph without cycles (reading order = dependency order)."
    import ast, networkx as nx
    g = nx.DiGraph()
    for p in (ROOT/'img2audio').glob('*.py'):
        if p.stem.startswith('_'): continue
        g.add_node(p.stem)
        for node in ast.parse(p.read_text()).body:                       # module level only: lazy imports inside functions are allowed
            if isinstance(node, ast.ImportFrom) and node.module and (node.level or node.module.startswith('img2audio.')):
                g.add_edge(p.stem, node.module.split('.')[-1])
    assert nx.is_directed_acyclic_graph(g), nx.find_cycle(g)
    assert g.has_edge('image2audio', 'base_method') and not g.has_edge('image2audio', 'experiment')
    r = subprocess.run([sys.executable, '-c', 'import img2audio.methods as m; print(sorted(m.load_methods()))'], capture_output=True, text=True)
    assert r.returncode == 0 and "'image2audio'" in r.stdout, r.stderr[-2000:]


def test_a_new_method_is_one_registration(tmp_path):
    from dataclasses import dataclass
    @dataclass
    class ConstOptions:
        "Options of a method that always predicts one class."
        label:int = opt(0, "the class it always predicts", lo=0)
    @register_method('_const', options=ConstOptions)
    def run_const(data, cfg, run, opts):
        "Always predicts one class."
        from img2audio.runs import run_split
        sp = run_split(data, cfg)
        y = data.labels[sp['S4']].numpy()
        return {'y_true': y, 'y_pred': np.full_like(y, opts.label), 'constant': opts.label}
    try:
        m = run_experiment(method='_const', label='2', out_dir=tmp_path/'c', cache_dir=tmp_path/'cache', **SMALL)
        assert m['constant'] == 2 and m['per_class_recall'][m['classes'][2]] == 1.0
        with pytest.raises(ValueError, match="label=-1 is too small"): resolve_config(method='_const', label=-1)
    finally: del METHODS['_const']


def test_cli_help_lists_each_methods_options():
    r = subprocess.run([str(Path(sys.executable).with_name('img2audio')), 'run', '--help'], capture_output=True, text=True)
    assert r.returncode == 0
    assert 'method=image2audio' in r.stdout and '--ablation' in r.stdout and '--fold' in r.stdout and 'method=base' in r.stdout


def test_cli_method_options_and_errors(tmp_path, capsys):
    assert main(['run', '--method', 'image2audio', '--lamda', '1', '--out-dir', str(tmp_path/'x')]) == 2
    assert "did you mean 'lam'?" in capsys.readouterr().err
    assert main(['run', '--ablation', 'all']) == 2
    assert "belongs to method 'image2audio'" in capsys.readouterr().err


def test_cli_has_a_flag_for_every_run_experiment_keyword(tmp_path, capsys):
    "`img2audio run --cache-dir x` chooses the cache folder (it once crashed); a run's own flag is never a method option."
    cache = tmp_path / 'cache'
    argv = ['run', '--cache-dir', str(cache), '--n-actors', '8', '--epochs', '1', '--device', 'cpu', '--quiet',
            '--out-dir', str(tmp_path / 'r')]
    assert main(argv) == 0 and any(cache.iterdir())
    assert json.loads(capsys.readouterr().out)['n_test'] == 120
    with pytest.raises(SystemExit): main(['run', '--progress', 'false', '--out-dir', str(tmp_path / 'p')])
    assert "one of the run's own flags" in capsys.readouterr().err


def test_papermill_takes_method_options_and_refuses_misspelt(tmp_path):
    pm = Path(sys.executable).with_name('papermill')
    r = subprocess.run([str(pm), str(ROOT/'nbs'/'run_experiment.ipynb'), str(tmp_path/'o.ipynb'), '-p', 'method', 'image2audio',
                        '-p', 'lamda', '1', '-p', 'out_dir', str(tmp_path/'x'), '--cwd', str(tmp_path)], capture_output=True, text=True)
    assert r.returncode != 0 and "did you mean 'lam'?" in r.stderr + r.stdout
    assert not (tmp_path/'x').exists()


def test_folds_rotate_the_test_actors(tmp_path):
    s4 = []
    for f in range(4):
        run_experiment(fold=f, out_dir=tmp_path/f'f{f}', cache_dir=tmp_path/'cache', **SMALL)
        sp = json.loads((tmp_path/f'f{f}'/'split.json').read_text())
        assert sp['fold'] == f
        s4 += sp['groups']['S4']
    assert sorted(s4) == list(range(1, 9))                                 # every actor tested exactly once over the folds
    cfg = json.loads((tmp_path/'f0'/'config.json').read_text())
    assert cfg['params']['fold'] == 0 and cfg['torch_threads'] >= 1


def _write_aus(root: Path, ravdess: Path, skip=()):
    for wav in sorted(ravdess.rglob('03-*')):
        if wav.stem in skip: continue
        d = root/wav.parent.name
        d.mkdir(parents=True, exist_ok=True)
        e = int(wav.stem.split('-')[2])
        (d/('01' + wav.stem[2:] + '.csv')).write_text(f" frame, success, AU01_r, AU12_r, AU01_c\n1, 1, {e}, {e/2}, 1\n2, 0, 9, 9, 0\n")


def test_au_dir_pairs_each_clip_and_reports_missing(tmp_path):
    rav = make_ravdess(tmp_path/'rav')
    _write_aus(tmp_path/'aus', rav, skip={'03-01-03-01-01-01-01'})
    (tmp_path/'aus'/'Actor_02'/'broken.csv').write_text('frame,confidence\n1,0.9\n')
    m = run_experiment(dataset='ravdess', data_dir=rav, au_dir=tmp_path/'aus', epochs=1, device='cpu', progress=False,
                       out_dir=tmp_path/'run', cache_dir=tmp_path/'cache')
    cfg = json.loads((tmp_path/'run'/'config.json').read_text())
    assert cfg['paired_aus'] == 3 and cfg['n_clips'] == 4 * 4 * 2 - 1
    reasons = {Path(f).name: r for f, r in cfg['skipped']}
    assert 'no action-unit file' in reasons['03-01-03-01-01-01-01.flac'] and 'no action-unit columns' in reasons['broken.csv']
    data = load_experiment_data('ravdess', rav, au_dir=tmp_path/'aus', cache_dir=tmp_path/'cache', need_pool=False)
    emo_code = data.meta.clip_id.str.split('-').str[2].astype(int).to_numpy()
    assert np.allclose(data.aus[:, 0].numpy(), emo_code)                   # each clip got its own vector (failed frames left out)
    with pytest.raises(FileNotFoundError, match="au_dir=.* is not a folder"):
        run_experiment(dataset='ravdess', data_dir=rav, au_dir=tmp_path/'nope', out_dir=tmp_path/'r2', **{k: v for k, v in SMALL.items() if k != 'n_actors'})
    assert not (tmp_path/'r2').exists()


def test_linked_corpus_folders_load(tmp_path):
    disk = make_ravdess(tmp_path/'disk')
    linked = tmp_path/'linked'
    linked.mkdir()
    for d in sorted(disk.iterdir()): (linked/d.name).symlink_to(d, target_is_directory=True)
    (disk/'Actor_01'/'up').symlink_to(linked, target_is_directory=True)      # a loop must not hang the walk
    faces = make_faces(tmp_path/'faces_disk')
    flinked = tmp_path/'faces'
    flinked.mkdir()
    for d in sorted(faces.iterdir()): (flinked/d.name).symlink_to(d, target_is_directory=True)
    a = load_experiment_data('ravdess', disk, cache_dir=False, need_pool=False)
    b = load_experiment_data('ravdess', linked, face_dirs=[str(flinked)], cache_dir=False)
    assert len(a.labels) == 32 and (a.specs == load_experiment_data('ravdess', linked, cache_dir=False, need_pool=False).specs).all()
    assert len(b.pool) == 9                                                # 3 linked class folders shared with the audio


def test_failed_start_does_not_lock_the_user_out(tmp_path):
    rav = make_ravdess(tmp_path/'rav')
    bad = tmp_path/'faces'
    (bad/'happy').mkdir(parents=True)
    (bad/'happy'/'S001_1.png').write_bytes(b'not an image')
    kw = dict(dataset='ravdess', data_dir=rav, face_dirs=str(bad), method='image2audio', epochs=1, device='cpu', progress=False,
              out_dir=tmp_path/'run', cache_dir=tmp_path/'cache', rounds=1, trans_steps=1, dis_steps=1, n_gen=8, k_density=1)
    with pytest.raises(ValueError): run_experiment(**kw)
    assert not (tmp_path/'run').exists()                                   # nothing left behind
    (tmp_path/'run').mkdir()
    (tmp_path/'run'/'run.log').write_text('ERROR an older failed start\n')  # what older versions left: taken over
    make_faces(tmp_path/'good')
    m = run_experiment(**{**kw, 'face_dirs': str(tmp_path/'good')})
    assert (tmp_path/'run'/'metrics.json').exists() and 0 <= m['accuracy'] <= 1
