"""The explorer's widgets driven from Python as a click would: run folders made here (no training), a generator hook for a
method the explorer does not know, a run without generator, bad files."""
import json
from pathlib import Path

import numpy as np, pytest, torch

from img2audio import explorer as E
from img2audio.base import SpecCNN
from img2audio.base_method import save_model
from img2audio.core import EMOTIONS


def _run(root, name, method, seed=0, fold=0, **opts):
    "A finished run folder as run_experiment leaves it (config, metrics, split, Base network), without training."
    d = Path(root)/name
    d.mkdir(parents=True)
    params = dict(dataset='synthetic', data_dir=None, face_dirs=[], au_dir=None, n_actors=8, corpus_seed=0, method=method,
                  seed=seed, fold=fold, epochs=1, out_dir=str(d), **opts)
    classes = list(EMOTIONS[:8])
    (d/'config.json').write_text(json.dumps({'params': params, 'classes': classes}))
    (d/'metrics.json').write_text(json.dumps({'accuracy': 0.25 + 0.1 * seed, 'uar': 0.2, 'macro_f1': 0.1, 'n_test': 120,
                                              'classes': classes}))
    (d/'split.json').write_text(json.dumps({'S4': ['synthetic-a01-c000']}))
    torch.manual_seed(seed)
    save_model(d/'model.safetensors', SpecCNN(len(classes)), classes)
    return d


@pytest.fixture(scope='module')
def root(tmp_path_factory):
    r = tmp_path_factory.mktemp('runs')
    _run(r, 'toy-s0', 'toy', seed=0, strength=1)
    _run(r, 'toy-s1', 'toy', seed=1, strength=2)
    _run(r, 'base-s0', 'base')
    (r/'unfinished').mkdir()
    (r/'unfinished'/'config.json').write_text('{}')
    return r


@pytest.fixture(scope='module')
def toy_generator():
    "A method the explorer does not know registers its loader: a 'generator' drawing the face's brightness as a spectrogram."
    def load(run):
        m = E.load_base_classifier(run)
        m.translate = lambda faces: faces.mean((1, 2, 3)).reshape(-1, 1, 1, 1).expand(-1, 1, 64, 156).clone()
        return m
    E.register_generator('toy', load)
    yield
    E.GENERATORS.pop('toy')


def test_runs_side_by_side(root):
    runs = E.find_runs(root)
    assert [r.name for r in runs] == ['base-s0', 'toy-s0', 'toy-s1']          # unfinished folder left out
    t = E.compare_runs(runs[1:])
    assert list(t.columns) == ['toy-s0', 'toy-s1']
    assert {'option: seed', 'option: strength', 'option: method', 'metric: accuracy'} <= set(t.index)
    assert 'option: dataset' not in t.index                                  # options all runs share are left out
    assert t.loc['metric: accuracy'].tolist() == [0.25, 0.35]
    ex = E.Explorer([root])
    ex.run_select.value = (str(runs[1]), str(runs[2]))                        # what clicking two runs does
    assert len(ex.runs_pane.children) == 3 and '<table' in ex.runs_pane.children[0].value
    ex.run_select.value = ()
    assert 'pick one or more runs' in ex.runs_pane.children[0].value
    with pytest.raises(FileNotFoundError, match='runs root'): E.find_runs(root/'nope')


def test_face_and_clip_panes(root, toy_generator, tmp_path):
    ex = E.Explorer(root)
    ex.gen_run.value = str(root/'toy-s0')
    assert 'translator loaded' in ex.status.value and len(ex.face_select.options) > 0
    ex.face_select.value = 3
    hbox, text, audio = ex.face_pane.children
    assert [type(w).__name__ for w in hbox.children] == ['Image', 'Image', 'Image'] and audio.value[:4] == b'RIFF'
    assert 'predicted' in text.value
    first = hbox.children[1].value
    ex.face_select.value = 4                                                  # another face → another translation
    assert ex.face_pane.children[0].children[1].value != first
    from PIL import Image
    Image.fromarray((np.random.default_rng(0).random((90, 70)) * 255).astype(np.uint8)).save(tmp_path/'face.png')
    ex.face_file.value = str(tmp_path/'face.png')
    assert type(ex.face_pane.children[-1]).__name__ == 'Audio'
    (tmp_path/'bad.png').write_text('not an image')
    ex.face_file.value = str(tmp_path/'bad.png')
    assert 'is not an image' in ex.face_pane.children[0].value
    ex.clip_select.value = 0
    assert len(ex.clip_select.label.split(' · ')) == 3 and ex.clip_pane.children[-1].value[:4] == b'RIFF'
    assert 'true <b>' in ex.clip_pane.children[1].value


def test_run_without_generator(root):
    ex = E.Explorer(root)
    ex.gen_run.value = str(root/'base-s0')
    assert 'no generator' in ex.status.value and len(ex.face_select.options) == 0
    ex.face_file.value = '/any/face.png'
    assert 'holds no generator' in ex.face_pane.children[0].value
    ex.clip_select.value = 1
    assert type(ex.clip_pane.children[-1]).__name__ == 'Audio'                 # clips still play and get a prediction
