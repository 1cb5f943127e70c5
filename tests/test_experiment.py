"End-to-end and bad-input tests of the experiment entry points (function, console script, papermill notebook)."
import json, subprocess, sys
from pathlib import Path
import pytest, torch
from img2audio.experiment import run_experiment, main, resolve_config
from img2audio.runs import RunDir

ROOT = Path(__file__).resolve().parents[1]
SMALL = dict(n_actors=8, epochs=2, device='cpu', progress=False)


@pytest.fixture(scope='module')
def cache(tmp_path_factory): return str(tmp_path_factory.mktemp('cache'))


def test_same_seed_same_metrics(tmp_path, cache):
    a = run_experiment(**SMALL, out_dir=tmp_path/'a', cache_dir=cache)
    b = run_experiment(**SMALL, out_dir=tmp_path/'b', cache_dir=False)       # no cache: recomputed features
    assert (tmp_path/'a'/'metrics.json').read_text() == (tmp_path/'b'/'metrics.json').read_text()
    c = run_experiment(**{**SMALL, 'seed': 1}, out_dir=tmp_path/'c', cache_dir=cache)
    assert json.loads((tmp_path/'c'/'split.json').read_text())['groups'] != json.loads((tmp_path/'a'/'split.json').read_text())['groups']
    assert 0 <= a['accuracy'] <= 1 and a['n_test'] == 120 and set(a['classes']) == {'neutral', 'calm', 'happy', 'sad', 'angry', 'fearful', 'disgust', 'surprised'}


def test_interrupted_run_resumes_to_same_result(tmp_path, cache, monkeypatch):
    full = run_experiment(**{**SMALL, 'epochs': 3}, out_dir=tmp_path/'full', cache_dir=cache)
    import img2audio.base as base
    orig = base.save_checkpoint
    def crash_after_epoch_2(path, *a, **k):
        orig(path, *a, **k)
        if k.get('extra', a[-1] if a else {}).get('epoch') == 2: raise KeyboardInterrupt
    monkeypatch.setattr(base, 'save_checkpoint', crash_after_epoch_2)
    with pytest.raises(KeyboardInterrupt): run_experiment(**{**SMALL, 'epochs': 3}, out_dir=tmp_path/'cut', cache_dir=cache)
    assert (tmp_path/'cut'/'checkpoint.safetensors').exists() and not (tmp_path/'cut'/'metrics.json').exists()
    monkeypatch.setattr(base, 'save_checkpoint', orig)
    resumed = run_experiment(**{**SMALL, 'epochs': 3}, out_dir=tmp_path/'cut', cache_dir=cache)
    assert 'resuming' in (tmp_path/'cut'/'run.log').read_text()
    assert resumed['accuracy'] == full['accuracy'] and resumed['confusion'] == full['confusion']
    assert not (tmp_path/'cut'/'checkpoint.safetensors').exists()


def test_never_overwrites_without_asking(tmp_path, cache):
    out = tmp_path/'r'
    run_experiment(**SMALL, out_dir=out, cache_dir=cache)
    before = (out/'metrics.json').read_text()
    with pytest.raises(FileExistsError, match='differs in epochs: 2 → 1'):
        run_experiment(**{**SMALL, 'epochs': 1}, out_dir=out, cache_dir=cache)
    assert (out/'metrics.json').read_text() == before
    run_experiment(**{**SMALL, 'epochs': 1}, out_dir=out, cache_dir=cache, overwrite=True)
    assert json.loads((out/'config.json').read_text())['params']['epochs'] == 1
    foreign = tmp_path/'mine'; foreign.mkdir(); (foreign/'thesis.tex').write_text('x')
    with pytest.raises(FileExistsError, match='not an img2audio run'): run_experiment(**SMALL, out_dir=foreign, cache_dir=cache)
    assert (foreign/'thesis.tex').read_text() == 'x'


@pytest.mark.parametrize('kw,msg', [
    (dict(dataset='iemocap'), "dataset='iemocap' is not accepted"),
    (dict(method='resnet'), "method='resnet' is not accepted"),
    (dict(epochs=-1), 'epochs=-1 is too small'),
    (dict(epochs='many'), "epochs='many' is not accepted: expected a whole number"),
    (dict(device='tpu'), "device='tpu' is not accepted"),
    (dict(seed=-3), 'seed=-3'),
    (dict(lr=0), 'lr=0 is too small; it must be > 0'),
    (dict(dataset='ravdess'), 'needs data_dir'),
])
def test_bad_parameters(kw, msg, tmp_path):
    with pytest.raises(ValueError, match=msg.replace('(', r'\(')): run_experiment(**{**SMALL, **kw}, out_dir=tmp_path/'x')
    assert not (tmp_path/'x').exists()


def test_bad_data_dir(tmp_path):
    with pytest.raises(FileNotFoundError, match='does not exist'): run_experiment(dataset='ravdess', data_dir=tmp_path/'nope', out_dir=tmp_path/'x')
    (tmp_path/'empty').mkdir()
    with pytest.raises(ValueError, match='is empty'): run_experiment(dataset='ravdess', data_dir=tmp_path/'empty', out_dir=tmp_path/'x')
    (tmp_path/'wrong').mkdir(); (tmp_path/'wrong'/'notes.txt').write_text('hi')
    with pytest.raises((ValueError, FileNotFoundError), match='wrong'): run_experiment(dataset='ravdess', data_dir=tmp_path/'wrong', out_dir=tmp_path/'x', **{k: v for k, v in SMALL.items() if k != 'n_actors'})


def test_cuda_requested_without_gpu(tmp_path):
    if torch.cuda.is_available(): pytest.skip('a GPU is present')
    with pytest.raises(ValueError, match='sees no CUDA GPU'): run_experiment(**{**SMALL, 'device': 'cuda'}, out_dir=tmp_path/'x')


def test_console_script(tmp_path, cache):
    exe = Path(sys.executable).with_name('img2audio')
    r = subprocess.run([str(exe), 'run', '--epochs', '1', '--n-actors', '8', '--device', 'cpu', '--quiet', '--out-dir', str(tmp_path/'cli')],
                       capture_output=True, text=True, env={'IMG2AUDIO_CACHE': cache, 'PATH': '/usr/bin:/bin'})
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)['n_test'] == 120 and (tmp_path/'cli'/'metrics.json').exists()
    r2 = subprocess.run([str(exe), 'run', '--epochs', '1', '--n_actors', '8', '--device', 'cpu', '--quiet', '--out_dir', str(tmp_path/'cli')],
                        capture_output=True, text=True, env={'IMG2AUDIO_CACHE': cache, 'PATH': '/usr/bin:/bin'})
    assert r2.returncode == 0, r2.stderr                                      # snake_case spelling: the same finished run
    assert json.loads(r2.stdout) == json.loads(r.stdout)
    r = subprocess.run([str(exe), 'run', '--dataset', 'nope'], capture_output=True, text=True)
    assert r.returncode == 2 and "dataset='nope' is not accepted" in r.stderr


def test_papermill_notebook(tmp_path, cache):
    pm = Path(sys.executable).with_name('papermill')
    out = tmp_path/'run'
    r = subprocess.run([str(pm), str(ROOT/'nbs'/'run_experiment.ipynb'), str(tmp_path/'out.ipynb'), '-p', 'epochs', '1', '-p', 'n_actors', '8',
                        '-p', 'device', 'cpu', '-p', 'out_dir', str(out), '-p', 'cache_dir', cache, '--cwd', str(tmp_path)],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr[-3000:]
    assert {'config.json', 'split.json', 'metrics.json', 'confusion.png', 'curves.png', 'model.safetensors', 'run.log'} <= {p.name for p in out.iterdir()}
    nb = json.loads((tmp_path/'out.ipynb').read_text())
    assert any(o.get('output_type') == 'display_data' and 'image/png' in o.get('data', {}) for c in nb['cells'] for o in c.get('outputs', []))


def test_parameters_tag_survives_clean():
    nb = json.loads((ROOT/'nbs'/'run_experiment.ipynb').read_text())
    tagged = [c for c in nb['cells'] if 'parameters' in c.get('metadata', {}).get('tags', [])]
    assert len(tagged) == 1 and 'dataset =' in ''.join(tagged[0]['source'])
    assert nb['metadata']['kernelspec']['name'] == 'python3'
