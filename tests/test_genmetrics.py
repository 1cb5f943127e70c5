"Tests of img2audio.genmetrics: IS and FID against closed forms, bad inputs, and generation_scores with SpecCNN."
import math
import numpy as np, pytest, scipy.linalg, torch
from img2audio.genmetrics import inception_score, fid, frechet_distance, gaussian_stats, classifier_outputs, generation_scores


@pytest.mark.parametrize('K', [2, 6, 9])
def test_is_bounds(K):
    assert inception_score(np.full((50, K), 1 / K)) == pytest.approx((1.0, 0.0))
    assert inception_score(np.eye(K)[np.arange(10 * K) % K])[0] == pytest.approx(K)
    assert inception_score(np.eye(K)[np.arange(10 * K) % K], splits=5) == pytest.approx((K, 0.0))


def test_is_matches_direct_formula_and_splits():
    rng = np.random.default_rng(0)
    p = rng.dirichlet(np.ones(4) * 0.3, size=200)
    py = p.mean(0)
    direct = math.exp(np.mean(np.sum(p * (np.log(p) - np.log(py)), 1)))
    assert inception_score(p)[0] == pytest.approx(direct, rel=1e-9)
    parts = [math.exp(np.mean(np.sum(q * (np.log(q) - np.log(q.mean(0))), 1))) for q in np.array_split(p, 4)]
    assert inception_score(p, splits=4) == pytest.approx((np.mean(parts), np.std(parts)))
    assert inception_score(torch.tensor(p))[0] == pytest.approx(direct)      # torch input
    # imbalance lowers the score: confident predictions with 2 of 3 classes used → IS = 2
    assert inception_score(np.eye(3)[np.arange(40) % 2])[0] == pytest.approx(2.0)


@pytest.mark.parametrize('bad,msg', [(np.zeros((0, 3)), 'empty'), (np.ones(3) / 3, '2-D'),
                                     (np.array([[0.5, 0.6]]), 'softmax'), (np.array([[-0.1, 1.1]]), 'softmax'),
                                     (np.array([[np.nan, 1.]]), 'NaN')])
def test_is_bad_inputs(bad, msg):
    with pytest.raises(ValueError, match=msg): inception_score(bad)


def test_is_bad_splits():
    p = np.full((4, 2), 0.5)
    with pytest.raises(ValueError, match='splits'): inception_score(p, splits=0)
    with pytest.raises(ValueError, match='more than'): inception_score(p, splits=5)


def test_fid_identity_shift_and_closed_form():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(400, 10)) @ rng.normal(size=(10, 10))
    assert fid(x, x) == pytest.approx(0, abs=1e-6)
    d = np.linspace(-1, 1, 10)
    assert fid(x, x + d) == pytest.approx((d ** 2).sum(), rel=1e-6)       # mean shift only
    assert fid(x, x + 2 * d) > fid(x, x + d)
    # Gaussians with known parameters: closed form with commuting (diagonal) covariances
    a, b = rng.uniform(0.5, 3, 5), rng.uniform(0.5, 3, 5)
    m1, m2 = rng.normal(size=5), rng.normal(size=5)
    ref = ((m1 - m2) ** 2).sum() + ((np.sqrt(a) - np.sqrt(b)) ** 2).sum()
    assert frechet_distance(m1, np.diag(a), m2, np.diag(b), eps=0) == pytest.approx(ref, rel=1e-10)
    # non-commuting covariances: compare with the sqrtm formula
    A = rng.normal(size=(5, 5)); S1 = A @ A.T + np.eye(5); B = rng.normal(size=(5, 5)); S2 = B @ B.T + np.eye(5)
    ref = ((m1 - m2) ** 2).sum() + np.trace(S1 + S2 - 2 * scipy.linalg.sqrtm(S1 @ S2).real)
    assert frechet_distance(m1, S1, m2, S2, eps=0) == pytest.approx(ref, rel=1e-8)


def test_fid_sample_estimate_converges_to_closed_form():
    rng = np.random.default_rng(2)
    n = 20000
    x = rng.normal(size=(n, 3)) * [1, 2, 0.5]
    y = rng.normal(size=(n, 3)) * [2, 1, 0.5] + [1, 0, 0]
    ref = 1 + (1 - 2) ** 2 + (2 - 1) ** 2                      # ‖Δμ‖² + Σ(σ1−σ2)²
    assert fid(x, y) == pytest.approx(ref, abs=0.05)


def test_fid_small_samples_and_singular_covariances_are_finite():
    rng = np.random.default_rng(3)
    v = fid(rng.normal(size=(5, 64)), rng.normal(size=(7, 64)))
    assert np.isfinite(v) and v > 0
    z = np.zeros((10, 4)); z[:, 0] = rng.normal(size=10)      # rank-1 covariance
    assert fid(z, z) == pytest.approx(0, abs=1e-6)


def test_fid_bad_inputs():
    x = np.ones((10, 4))
    with pytest.raises(ValueError, match='feats1 is empty'): fid(np.zeros((0, 4)), x)
    with pytest.raises(ValueError, match='dimensions'): fid(x, np.ones((10, 3)))
    with pytest.raises(ValueError, match='at least 2'): fid(x[:1], x)
    with pytest.raises(ValueError, match='2-D'): fid(np.ones(4), x)
    with pytest.raises(ValueError, match='mismatched'): frechet_distance(np.zeros(2), np.eye(2), np.zeros(3), np.eye(3))


# ---------------------------------------------------------------- with the project's classifier
@pytest.fixture(scope='module')
def spec_cnn():
    from img2audio.base import SpecCNN
    torch.manual_seed(0)
    return SpecCNN(5, channels=(4, 8, 8, 8))          # K=4 real classes + 1 fake output, like Dis_t


def test_classifier_outputs_eval_mode_batches_and_first_k(spec_cnn):
    x = torch.rand(37, 1, 64, 156) * 2 - 1
    spec_cnn.train()
    p1, f1 = classifier_outputs(spec_cnn, x, n_classes=4, batch_size=8)
    p2, f2 = classifier_outputs(spec_cnn, x.numpy(), n_classes=4, batch_size=64)
    assert spec_cnn.training                                   # mode restored
    assert p1.shape == (37, 4) and f1.shape == (37, spec_cnn.feat_dim)
    assert np.allclose(p1, p2, atol=1e-6) and np.allclose(f1, f2, atol=1e-5)   # eval mode: deterministic, batch-independent
    assert np.allclose(p1.sum(1), 1)
    spec_cnn.eval()
    with torch.no_grad(): ref = torch.softmax(spec_cnn(x)[:, :4].double(), 1).numpy()
    assert np.allclose(p1, ref, atol=1e-6)
    with pytest.raises(ValueError, match='n_classes=9'): classifier_outputs(spec_cnn, x, n_classes=9)
    with pytest.raises(TypeError, match='features'): classifier_outputs(torch.nn.Linear(3, 2), x)


def test_generation_scores_with_speccnn(spec_cnn):
    g = torch.Generator().manual_seed(0)
    real = torch.rand(40, 1, 64, 156, generator=g) * 2 - 1
    high = (real[:20] + 0.01 * torch.randn(20, 1, 64, 156, generator=g)).clamp(-1, 1)
    low = torch.full((20, 1, 64, 156), -1.0) + 0.05 * torch.rand(20, 1, 64, 156, generator=g)
    s = generation_scores(spec_cnn, real, high, low, batch_size=16, n_classes=4)
    assert set(s) == {'is_base', 'is_high', 'is_low', 'fid_high', 'fid_low', 'n_real', 'n_high', 'n_low'}
    assert all(1 - 1e-9 <= s[k] <= 4 + 1e-9 for k in ('is_base', 'is_high', 'is_low'))
    assert 0 <= s['fid_high'] < s['fid_low']
    assert (s['n_real'], s['n_high'], s['n_low']) == (40, 20, 20)
    e = generation_scores(spec_cnn, real, None, low[:0], n_classes=4)
    assert all(math.isnan(e[k]) for k in ('is_high', 'is_low', 'fid_high', 'fid_low')) and e['n_high'] == 0
    with pytest.raises(ValueError, match='real_specs'): generation_scores(spec_cnn, real[:1], high, low)
