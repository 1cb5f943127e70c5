"End-to-end CT-GAN runs (one per setup) on the tiny synthetic corpus, and its bad-input errors."
import json
import pytest
from img2audio.experiment import run_experiment
from img2audio.ctgan import SETUPS, MULTIMODAL, GAN_SETUPS

TINY = dict(dataset='synthetic', method='ctgan', n_actors=8, device='cpu', progress=False, train_epochs=1,
            finetune_epochs=1)


@pytest.fixture(scope='module')
def cache(tmp_path_factory): return str(tmp_path_factory.mktemp('cache'))


@pytest.mark.parametrize('setup', SETUPS)
def test_each_setup_end_to_end(setup, tmp_path, cache):
    m = run_experiment(**TINY, setup=setup, out_dir=tmp_path/setup, cache_dir=cache)
    assert m['n_test'] == 120 and 0 <= m['uar'] <= 1 and 0 <= m['macro_f1'] <= 1 and 0 <= m['accuracy'] <= 1
    assert m['setup'] == setup and (m['n_train'], m['n_val'], m['n_unlab']) == (60, 60, 240)
    assert 0 <= m['val_uar'] <= 1 and m['best_epoch'] == 1 and len(m['val_actors_ids']) == 1
    assert m['face_input'] == ('image' if setup in MULTIMODAL else None)
    if setup in GAN_SETUPS: assert 0 <= m['unlab_as_fake'] <= 1 and m['ct_last'] >= 0 and 0 <= m['test_as_fake'] <= 1
    if setup == 'ssbase': assert m['pseudo_count'] >= 0 and 'pseudo_acc' in m
    hist = json.loads((tmp_path/setup/'history.json').read_text())
    assert len(hist) == (2 if setup == 'ssbase' else 1) and 't_d' in hist[0]
    assert (tmp_path/setup/'model.safetensors').exists() and (tmp_path/setup/'confusion.png').exists()


def test_face_modality_and_no_validation(tmp_path, cache):
    m = run_experiment(**TINY, setup='ssgan', modality='face', val_actors=0, n_unlabelled=64, out_dir=tmp_path/'f',
                       cache_dir=cache)
    assert m['face_input'] == 'image' and m['modality'] == 'face'
    assert m['n_val'] == 0 and m['val_uar'] is None and m['n_unlab'] == 64 and m['n_train'] == 120


def test_multimodal_refuses_a_modality(tmp_path, cache):
    with pytest.raises(ValueError, match='drop the modality'):
        run_experiment(**TINY, setup='mssgan', modality='face', out_dir=tmp_path/'x', cache_dir=cache)
    assert not (tmp_path/'x').exists()


@pytest.mark.parametrize('kw', [dict(setup='mssgan'), dict(setup='ssbase', modality='face')])
def test_face_side_missing_fails_before_the_run(kw, tmp_path):
    corpus = tmp_path/'ravdess'; (corpus/'Actor_01').mkdir(parents=True)
    (corpus/'Actor_01'/'03-01-01-01-01-01-01.wav').write_bytes(b'')
    with pytest.raises(ValueError, match='au_dir='):
        run_experiment(**{**TINY, 'dataset': 'ravdess'}, data_dir=corpus, **kw, out_dir=tmp_path/'r', cache_dir=False)
    assert not (tmp_path/'r').exists()


def test_bad_options(tmp_path):
    with pytest.raises(ValueError, match='setup'): run_experiment(**TINY, setup='mssgna', out_dir=tmp_path/'a')
    with pytest.raises(ValueError, match='val_actors'): run_experiment(**TINY, val_actors=2, out_dir=tmp_path/'b')
