"Tests of img2audio.translator: weight sharing, shapes, losses (unpaired and paired), a short training run."
import math
import pytest, torch
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset
from img2audio.density import AnnealLog, DensityModel, epsilon_schedule
from img2audio.translator import (LossWeights, Translator, TranslatorTrainer, fit_translator, log_p_fake, log_p_real,
                                  dis_t_loss, class_aware_loss)

K = 3
TINY = dict(latent=8, hidden=32, channels=(4, 8, 8), dis_t_channels=(4, 8, 8, 8))


@pytest.fixture(autouse=True, scope='module')
def one_thread():
    "These models are tiny: intra-op threads only add overhead (and spin badly on a busy 2-core machine)."
    n = torch.get_num_threads(); torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)


def tiny(seed=0, **kw):
    torch.manual_seed(seed)
    return Translator(K, **{**TINY, **kw})


def toy_data(n=48, seed=0):
    "Class-dependent faces (a bright square whose position is the class) and spectrograms (a bright band), with noise."
    g = torch.Generator().manual_seed(seed)
    y = torch.arange(n) % K
    faces = torch.full((n, 1, 64, 64), -0.8); specs = torch.full((n, 1, 64, 156), -0.8)
    for i, c in enumerate(y.tolist()):
        faces[i, 0, 8 + 16 * c: 24 + 16 * c, 20:44] = 0.8
        specs[i, 0, 10 + 16 * c: 20 + 16 * c, :] = 0.6
    faces += 0.1 * torch.randn(faces.shape, generator=g); specs += 0.1 * torch.randn(specs.shape, generator=g)
    return faces.clamp(-1, 1), specs.clamp(-1, 1), y


def test_shared_layers_are_literally_shared():
    tr = tiny()
    calls = []
    tr.enc_shared.register_forward_hook(lambda *a: calls.append('enc'))
    tr.dec_shared.register_forward_hook(lambda *a: calls.append('dec'))
    f, a, _ = toy_data(4)
    # a face-only loss and a spectrogram-only loss both reach the same shared parameter tensors
    sample = lambda ml: ml[0] + (0.5 * ml[1]).exp() * 0.3       # uses both the mu and the logvar head
    for name, loss in [('f', lambda: tr.decode_f(sample(tr.encode_f(f))).sum()), ('a', lambda: tr.decode_a(sample(tr.encode_a(a))).sum())]:
        tr.zero_grad(set_to_none=True); loss().backward()
        for p in list(tr.enc_shared.parameters()) + list(tr.dec_shared.parameters()):
            assert p.grad is not None and p.grad.abs().sum() > 0, name
        other = tr.enc_a_body if name == 'f' else tr.enc_f_body
        assert all(p.grad is None for p in other.parameters()), name
    assert calls == ['enc', 'dec', 'enc', 'dec']
    # registered once: no duplicated (aliased) tensors in the checkpoint, so safetensors accepts it
    from safetensors.torch import save
    sd = tr.state_dict()
    assert len({t.data_ptr() for t in sd.values() if t.numel()}) == len([t for t in sd.values() if t.numel()])
    save({k: v.contiguous() for k, v in sd.items()})
    # the generator optimiser sees every non-discriminator parameter exactly once
    gp = tr.generator_parameters()
    assert len({id(p) for p in gp}) == len(gp) and tr.log_sigma_a in gp
    assert not any(p is q for p in gp for q in tr.dis_t.parameters())


def test_shapes_through_every_path():
    tr = tiny()
    f, a, _ = toy_data(5)
    mu, lv = tr.encode_f(f); assert mu.shape == lv.shape == (5, 8)
    mu, lv = tr.encode_a(a); assert mu.shape == lv.shape == (5, 8)
    assert tr.decode_f(mu).shape == (5, 1, 64, 64) and tr.decode_a(mu).shape == (5, 1, 64, 156)
    x = tr.translate_f2a(f, sample=True); assert x.shape == (5, 1, 64, 156) and x.abs().max() <= 1
    assert tr.translate_a2f(a).shape == (5, 1, 64, 64)
    assert tr.translate_f2a(tr.translate_a2f(a)).shape == a.shape            # cycle a → f → a
    assert tr.dis_t(a).shape == (5, K + 1) and tr.dis_f(f).shape == (5,)
    ld = tr.log_density_a(a, k=6, chunk=4)
    assert ld.shape == (5,) and torch.isfinite(ld).all()
    assert isinstance(tr.spec_vae(), DensityModel)
    with pytest.raises(ValueError, match=r'\(B,1,64,156\)'): tr.encode_a(f)


def test_k_plus_one_head_is_the_base_backbone():
    from img2audio.base import SpecCNN
    tr = tiny()
    assert isinstance(tr.dis_t, SpecCNN) and tr.dis_t.head.out_features == K + 1
    custom = SpecCNN(K + 1, channels=(4, 4, 4, 4))
    assert Translator(K, dis_t=custom, **{k: v for k, v in TINY.items() if k != 'dis_t_channels'}).dis_t is custom


def test_gan_terms_from_logits():
    lg = torch.randn(6, K + 1)
    torch.testing.assert_close(log_p_real(lg).exp() + log_p_fake(lg).exp(), torch.ones(6))
    torch.testing.assert_close(class_aware_loss(lg, torch.zeros(6, dtype=torch.long)), F.cross_entropy(lg[:, :K], torch.zeros(6, dtype=torch.long)))
    lab = torch.tensor([0, -1, 2, -1, 1, 0])
    want = -log_p_real(lg).mean() + F.cross_entropy(lg[lab >= 0], lab[lab >= 0]) - log_p_fake(lg[:2]).mean()
    torch.testing.assert_close(dis_t_loss(lg, lab, lg[:2]), want)


@pytest.mark.parametrize('paired', [False, True])
def test_every_loss_finite(paired):
    tr = tiny(); t = TranslatorTrainer(tr, k_density=3)
    f, a, y = toy_data(6)
    out = t.step(f, y, a, None if paired else torch.tensor([0, -1, 2, -1, 1, -1]), paired=paired, eps=0.5)
    assert all(math.isfinite(v) for v in out.values()), out
    keys = {'vae_f', 'vae_a', 'cyc_f2a2f', 'cyc_a2f2a', 'cls', 'sigma', 'dis_t', 'dis_f', 'gen_total'}
    assert keys <= set(out)
    assert out['n_high'] == 3 and out['n_low'] == 3


def test_paired_variant_uses_l1_and_not_dis_f():
    f, a, y = toy_data(6)
    for paired in (True, False):
        tr = tiny(); t = TranslatorTrainer(tr, lr=1e-2)
        before = [p.detach().clone() for p in tr.dis_f.parameters()]
        out = t.step(f, y, a, y, paired=paired)
        changed = any(not torch.equal(b, p) for b, p in zip(before, tr.dis_f.parameters()))
        if paired:
            assert {'l1_f2a', 'l1_a2f'} <= set(out) and not {'gan_f2a', 'gan_a2f'} & set(out)
            assert not changed and out['dis_f'] == 0.0
            assert out['l1_f2a'] > 0.05      # an untrained translator is far from the true partner
        else:
            assert {'gan_f2a', 'gan_a2f'} <= set(out) and not {'l1_f2a', 'l1_a2f'} & set(out) and changed
    with pytest.raises(ValueError, match='paired=True'): t.step(f, y, a[:4], paired=True)


def test_losses_decrease_on_a_short_run():
    f, a, y = toy_data(48)
    tr = tiny(); t = TranslatorTrainer(tr, lr=2e-3)
    fl = DataLoader(TensorDataset(f, y), batch_size=8, shuffle=True, generator=torch.Generator().manual_seed(0))
    sl = DataLoader(TensorDataset(a, torch.where(torch.arange(48) % 2 == 0, y, -1)), batch_size=8, shuffle=True,
                    generator=torch.Generator().manual_seed(1))
    log = AnnealLog()
    hist = fit_translator(t, fl, sl, n_steps=30, eps=lambda s: epsilon_schedule(s, 30, warmup=8), anneal_log=log, progress=False)
    assert len(hist) == 30 and hist.step.tolist() == list(range(1, 31))
    for c in ('vae_f', 'vae_a', 'cyc_f2a2f', 'cyc_a2f2a'):
        assert hist[c].tail(6).mean() < 0.75 * hist[c].head(6).mean(), (c, hist[c].head(6).mean(), hist[c].tail(6).mean())
    assert hist.eps.iloc[0] == 0 and hist.eps.iloc[-1] > 0.5
    df = log.to_frame()
    assert df.n_high.sum() == hist.n_high.sum() > 0 and df.n_high.sum() + df.n_low.sum() == 30 * 8


def test_fit_paired_loader_and_bad_calls():
    f, a, y = toy_data(12)
    t = TranslatorTrainer(tiny())
    pl = DataLoader(TensorDataset(f, y, a, y), batch_size=6)
    hist = fit_translator(t, pl, n_steps=3, paired=True, progress=False)
    assert 'l1_f2a' in hist and len(hist) == 3
    with pytest.raises(ValueError, match='spec_loader'): fit_translator(t, pl, pl, n_steps=1, paired=True, progress=False)
    with pytest.raises(ValueError, match='no batches'):
        fit_translator(t, DataLoader(TensorDataset(f[:0], y[:0])), DataLoader(TensorDataset(a, y)), n_steps=1, progress=False)
    with pytest.raises(ValueError, match='face_labels'): t.step(f, torch.full((12,), K), a)
