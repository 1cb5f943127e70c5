"dacssGAN end to end on a small synthetic corpus: run folder and metrics, conditions, bad inputs refused clearly."
import json, re
import numpy as np, pytest, torch
from img2audio.experiment import run_experiment, resolve_config
from img2audio.conformal import icp_p_values, margin_nonconformity, conformal_report

TINY = dict(method='dacssgan', n_actors=8, epochs=1, fs_epochs=2, gan_epochs=1, gan_width=16, p_resolution=0.2,
            cache_dir=False, progress=False, device='cpu')


@pytest.fixture(scope='module')
def label_run(tmp_path_factory):
    d = tmp_path_factory.mktemp('dacss') / 'label'
    return d, run_experiment(condition='label', out_dir=str(d), n_wavs=1, **TINY)


def test_run_folder_and_metrics(label_run):
    d, m = label_run
    saved = json.loads((d / 'metrics.json').read_text())
    for k in ('accuracy', 'base_accuracy', 'gain', 'is_real', 'is_gen', 'fid_gen', 'judge_acc_gen',
              'judge_acc_gen_true', 'fs_acc_s2', 'fs_acc_s3', 'conformal_coverage_0.1', 'conformal_p_true_le_0.1',
              'cond_acc_s3'):
        assert k in saved and np.isfinite(saved[k]), k
    assert saved['gain'] == pytest.approx(saved['accuracy'] - saved['base_accuracy'], abs=1e-6)
    assert saved['cond_acc_s3'] == 1.0                       # condition='label': the intended class is the true one
    n_s3 = len(json.loads((d / 'split.json').read_text())['S3'])
    assert saved['face_input'] == 'images' and saved['n_generated'] == n_s3
    for f in ('generations.png', 'gan_curves.png', 'gan_history.json', 'generator.safetensors', 'model.safetensors'):
        assert (d / f).exists(), f
    wavs = sorted(p.name for p in d.glob('gen_*.wav'))
    assert wavs and wavs == sorted(saved['wavs'])
    hist = json.loads((d / 'gan_history.json').read_text())
    assert {'d_loss', 'q_loss', 'g_adv', 'g_l1', 'g_q', 'is_gen', 'fid_gen'} <= set(hist[-1])


def test_conditions_and_ablation(tmp_path):
    m = run_experiment(condition='classifier', l1=False, out_dir=str(tmp_path / 'c'), n_wavs=0, **TINY)
    assert m['cond_acc_s3'] == pytest.approx(m['fs_acc_s3'])   # argmax of the softmax = f_S's prediction
    m2 = run_experiment(condition='conformal', out_dir=str(tmp_path / 'p'), n_wavs=0, **TINY)
    assert m2['cond_acc_s3'] == pytest.approx(m2['conformal_argmax_acc'])


def test_reruns_give_the_same_metrics(tmp_path, label_run):
    m = run_experiment(condition='label', out_dir=str(tmp_path / 'again'), n_wavs=1, **TINY)
    for k in ('accuracy', 'base_accuracy', 'fid_gen', 'fs_acc_s3'): assert m[k] == pytest.approx(label_run[1][k]), k


@pytest.mark.parametrize('kw, msg', [
    (dict(condition='oracle'), "condition='oracle' is not accepted"),
    (dict(generator='gan'), "generator='gan' is not accepted"),
    (dict(conditon='label'), "did you mean 'condition'"),
    (dict(p_resolution=0), 'p_resolution=0 is too small'),
])
def test_bad_options_refused(tmp_path, kw, msg):
    with pytest.raises(ValueError, match=re.escape(msg)):
        opts = {k: v for k, v in TINY.items() if k not in ('cache_dir', 'progress')}     # run-time arguments, not options
        resolve_config(**{**opts, **kw, 'out_dir': str(tmp_path / 'x')})
    assert not (tmp_path / 'x').exists()


def test_real_corpus_without_paired_faces_refused(tmp_path):
    (tmp_path / 'rav').mkdir(); (tmp_path / 'rav' / 'x.txt').write_text('x')
    with pytest.raises(ValueError, match='au_dir='):
        resolve_config(method='dacssgan', dataset='ravdess', data_dir=str(tmp_path / 'rav'))


def test_calibration_set_too_small_refused(tmp_path):
    with pytest.raises(ValueError, match='p_resolution'):
        run_experiment(**{**TINY, 'p_resolution': 0.001}, out_dir=str(tmp_path / 'small'))
    assert not (tmp_path / 'small' / 'metrics.json').exists()


def test_icp_validity_on_exchangeable_data():
    "P(p_y <= t) <= t (within sampling error) over independent calibration draws; coverage matches."
    g, R, n, K = np.random.default_rng(5), 3000, 24, 5
    hits = {t: 0 for t in (0.1, 0.2, 0.4)}
    for r in range(R):
        y = g.integers(0, K, n + 1)
        logits = g.normal(size=(n + 1, K)) + 1.0 * np.eye(K)[y]
        p = np.exp(logits) / np.exp(logits).sum(1, keepdims=True)
        pv = icp_p_values(margin_nonconformity(p[:n], y[:n]), margin_nonconformity(p[n:]))
        for t in hits: hits[t] += pv[0, y[n]] <= t
    for t, h in hits.items():
        assert h / R <= t + 3 * np.sqrt(t * (1 - t) / R), (t, h / R)
