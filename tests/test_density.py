"Tests of img2audio.density: IWAE bounds on a model with a known likelihood, and the density-ranked annealing split."
import math
import pytest, torch
from img2audio.density import (AnnealLog, DensityModel, LinearGaussianVAE, elbo, epsilon_schedule, gaussian_decoder_logprob,
                               iwae_log_likelihood, log_density, log_weights, split_by_density)


@pytest.fixture(scope='module')
def ppca():
    exact_model = LinearGaussianVAE.random(d=12, m=3, seed=3)
    spoilt = LinearGaussianVAE.random(d=12, m=3, seed=3, mean_scale=0.5, var_scale=3.0)
    x = exact_model.sample(400, seed=4)
    return exact_model, spoilt, x, spoilt.exact_log_px(x)


def test_exact_posterior_gives_exact_density(ppca):
    exact_model, _, x, exact = ppca
    torch.testing.assert_close(log_density(exact_model, x, k=1), exact, rtol=0, atol=1e-9)
    torch.testing.assert_close(log_density(exact_model, x, k=7, chunk=3), exact, rtol=0, atol=1e-9)


def test_iwae_above_elbo_and_below_exact_on_average(ppca):
    _, vae, x, exact = ppca
    g = torch.Generator().manual_seed(0)
    ll, lw = iwae_log_likelihood(vae.encode, vae.log_px_given_z, x, k=16, generator=g, return_log_w=True)
    assert (ll >= lw.mean(1) - 1e-12).all()                   # draw by draw (Jensen)
    el = elbo(vae.encode, vae.log_px_given_z, x, k=16, generator=g)
    assert el.mean() < ll.mean() < exact.mean()                 # on average: ELBO ≤ IWAE ≤ log p(x)


def test_iwae_tightens_and_converges(ppca):
    _, vae, x, exact = ppca
    g = torch.Generator().manual_seed(1)
    gaps = [(exact - iwae_log_likelihood(vae.encode, vae.log_px_given_z, x, k=k, chunk=256, generator=g)).mean().item()
            for k in (1, 8, 64, 512, 4096)]
    assert all(a > b for a, b in zip(gaps, gaps[1:])), gaps
    assert gaps[0] > 1.0 and abs(gaps[-1]) < 0.03 * gaps[0], gaps


def test_chunking_only_changes_memory(ppca):
    _, vae, x, _ = ppca
    a = log_weights(vae.encode, vae.log_px_given_z, x[:5], k=10, chunk=3, generator=torch.Generator().manual_seed(2))
    b = iwae_log_likelihood(vae.encode, vae.log_px_given_z, x[:5], k=10, chunk=3, generator=torch.Generator().manual_seed(2))
    assert a.shape == (5, 10)
    torch.testing.assert_close(b, torch.logsumexp(a, 1) - math.log(10))


class TinyConvVAE(torch.nn.Module):
    "A small spectrogram-shaped Gaussian VAE implementing the DensityModel protocol."
    def __init__(self, zdim=8):
        super().__init__()
        self.enc = torch.nn.Sequential(torch.nn.Conv2d(1, 4, 4, 4), torch.nn.Flatten(), torch.nn.Linear(4 * 16 * 39, 2 * zdim))
        self.dec = torch.nn.Sequential(torch.nn.Linear(zdim, 64 * 156), torch.nn.Tanh(), torch.nn.Unflatten(1, (1, 64, 156)))
        self.log_sigma = torch.nn.Parameter(torch.tensor(-1.0))
    def encode(self, x): return self.enc(x).chunk(2, 1)
    def log_px_given_z(self, x, z): return gaussian_decoder_logprob(self.dec, self.log_sigma)(x, z)


def test_protocol_on_a_conv_vae():
    torch.manual_seed(0)
    m = TinyConvVAE()
    assert isinstance(m, DensityModel)
    x = torch.rand(3, 1, 64, 156) * 2 - 1
    ll = log_density(m, x, k=6, chunk=4)
    assert ll.shape == (3,) and torch.isfinite(ll).all() and not ll.requires_grad
    # gradients flow through the estimator when it is used as a training objective
    iwae_log_likelihood(m.encode, m.log_px_given_z, x, k=4).sum().backward()
    assert m.log_sigma.grad is not None and m.enc[0].weight.grad is not None


def test_bad_inputs():
    m = TinyConvVAE()
    with pytest.raises(ValueError, match='k=0'): iwae_log_likelihood(m.encode, m.log_px_given_z, torch.zeros(2, 1, 64, 156), k=0)
    with pytest.raises(ValueError, match='non-empty batch'): iwae_log_likelihood(m.encode, m.log_px_given_z, torch.zeros(0, 1, 64, 156))
    with pytest.raises(TypeError, match='cannot give a density'): log_density(torch.nn.Linear(2, 2), torch.zeros(2, 2))
    with pytest.raises(ValueError, match='decoder_logprob must return'):
        iwae_log_likelihood(m.encode, lambda x, z: z.sum(-1).sum(-1), torch.zeros(2, 1, 64, 156), k=3)


def test_split_ties_and_extremes():
    d = torch.tensor([1., 5., 3., 5., 3., 3., -float('inf')])
    high, low = split_by_density(d, 0.5)                     # 7·0.5 = 3.5 -> 4 (round half up)
    assert high.tolist() == [False, True, True, True, True, False, False]
    assert (high ^ low).all()
    assert not split_by_density(d, 0.0)[0].any() and split_by_density(d, 0.0)[1].all()
    assert split_by_density(d, 1.0)[0].all()
    assert split_by_density(torch.full((5,), 2.0), 0.4)[0].tolist() == [True, True, False, False, False]
    assert split_by_density(torch.tensor([3., 1., 2.]), 0.8)[0].tolist() == [True, False, True]   # 2.4 -> 2
    with pytest.raises(ValueError, match='NaN'): split_by_density(torch.tensor([1., float('nan')]), 0.5)
    with pytest.raises(ValueError, match='eps=1.5'): split_by_density(d, 1.5)
    with pytest.raises(ValueError, match='1-D'): split_by_density(d[None], 0.5)


def test_epsilon_schedule():
    for kind in ('linear', 'cosine', 'step'):
        vals = [epsilon_schedule(t, 20, kind, warmup=2) for t in range(0, 25)]
        assert vals[0] == 0 and vals[2] == 0 and vals[-1] == pytest.approx(0.8)
        assert all(b >= a for a, b in zip(vals, vals[1:]))
    assert epsilon_schedule(10, 20, eps_max=0.5) == pytest.approx(0.25)
    with pytest.raises(ValueError, match='warmup'): epsilon_schedule(1, 5, warmup=5)
    with pytest.raises(ValueError, match="kind='exp'"): epsilon_schedule(1, 5, 'exp')


def test_anneal_log_counts():
    log = AnnealLog(classes=['a', 'b', 'c'])
    labels = torch.tensor([0, 1, 2, 2])
    log.update(3, labels, torch.tensor([True, False, True, False]))
    df = log.to_frame()
    assert df[['label', 'class', 'n_high', 'n_low']].values.tolist() == [[0, 'a', 1, 0], [1, 'b', 0, 1], [2, 'c', 1, 1]]
    assert df.share_high.tolist() == [1.0, 0.0, 0.5]
    with pytest.raises(ValueError, match='same shape'): log.update(0, labels, torch.tensor([True]))
