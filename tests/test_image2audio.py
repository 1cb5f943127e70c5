"Tests of the Image2Audio method: the Dis_t objective, the ablation switches, hidden labels, pairing, resuming, generation scores."
import math
import numpy as np, pandas as pd, pytest, torch
import img2audio.image2audio as i2a
from img2audio.core import FacePool
from img2audio.runs import ExperimentData, RunDir
from img2audio.base_method import run_base
from img2audio.graph import FeatureGraph
from img2audio.image2audio import Image2AudioConfig, TermWeights, dis_t_objective, run_image2audio

CLASSES = ['happy', 'sad', 'angry']
TINY = dict(seed=0, epochs=1, batch_size=8, lr=3e-3, device='cpu', rounds=2, trans_steps=1, dis_steps=2, n_gen=12, k_density=2,
            trans_batch=6, dis_batch=6, warm_start=False, latent=8, hidden=16, channels=[4, 8, 8], dis_channels=[4, 8, 8, 8],
            cache_dir=False, pretrain_steps=1, gate=0.0)


def _data(paired=True, n_actors=4, per_class=4, seed=0):
    "A tiny hand-made corpus: class = height of a bright band in the spectrogram and brightness of the face; 4 actors, 2 genders."
    g = torch.Generator().manual_seed(seed)
    rows, specs, faces, labels = [], [], [], []
    for a in range(1, n_actors + 1):
        for k, c in enumerate(CLASSES):
            for r in range(per_class):
                s = torch.rand(1, 64, 156, generator=g) * 0.4 - 1; s[:, 10 + 15 * k: 20 + 15 * k] += 1.2
                specs.append(s.clamp(-1, 1)); labels.append(k)
                faces.append(torch.full((1, 64, 64), -0.8 + 0.7 * k) + 0.1 * torch.randn(1, 64, 64, generator=g))
                rows.append(dict(clip_id=f'a{a}_{c}_{r}', actor=a, gender='M' if a % 2 else 'F', emotion=c, intensity='normal',
                                 statement=1, repetition=r, source='test'))
    rng = np.random.default_rng(seed); n_pool = 30
    pool_y = [CLASSES[i % 3] for i in range(n_pool)]
    imgs = np.stack([np.clip(rng.normal(40 + 80 * CLASSES.index(e), 10, (64, 64)), 0, 255) for e in pool_y]).astype(np.uint8)
    pool = FacePool(imgs, pool_y, [str(i % 5) for i in range(n_pool)], ['test'] * n_pool)
    return ExperimentData(specs=torch.stack(specs), labels=torch.tensor(labels), classes=list(CLASSES), meta=pd.DataFrame(rows),
                          faces=torch.stack(faces).clamp(-1, 1) if paired else None, pool=pool, skipped=[], cache_hit=False, timings={})


def _run(tmp_path, name, data=None, on_round=None, **kw):
    cfg = {**TINY, **kw, 'out_dir': str(tmp_path / name)}
    run = RunDir(cfg)
    if not (run / 'config.json').exists(): run.write_json('config.json', {'params': cfg})   # as run_experiment does
    return run_image2audio(data if data is not None else _data(), cfg, run, on_round=on_round)


HIDDEN = ('seconds', 'pseudo_acc', 'critic_du_accuracy', 'dis_t_du_after_translator', 'dis_t_du_accuracy')   # timings and hidden-label reports

def _strip(history):
    return [{k: v for k, v in h.items() if k not in HIDDEN} for h in history]


# --- the objective -------------------------------------------------------------------------------------------------------------

def test_objective_terms_by_definition():
    torch.manual_seed(0)
    lt, lu, lg = torch.randn(5, 4), torch.randn(6, 4), torch.randn(7, 4)
    yt = torch.tensor([0, 1, 2, 0, 1])
    T = dis_t_objective(lt, yt, lu, lg)
    p = lambda l: torch.softmax(l, 1)
    assert torch.allclose(T['gen'], p(lg)[:, 3].log().mean(), atol=1e-6)                        # E_Dg log P(K+1|x)
    assert torch.allclose(T['lab'], p(lt)[torch.arange(5), yt].log().mean(), atol=1e-6)         # E_Dt log P(y|x)
    assert torch.allclose(T['real'], (1 - p(lu)[:, 3]).log().mean(), atol=1e-6)                 # E_Du log P(y<K+1|x)
    pu = p(lu)[:, :3]
    assert torch.allclose(T['ent'], (pu * pu.log()).sum(1).mean(), atol=1e-6)                  # E_Du Σ_k P log P
    assert all(float(T[k]) <= 0 for k in ('gen', 'lab', 'real', 'ent'))
    assert torch.allclose(T['loss'], -(T['gen'] + T['lab'] + T['real'] + T['ent']))
    # the D_g term rewards calling generations fake, the D_u term calling real clips real
    fake, real = torch.tensor([[0., 0., 0., 6.]]), torch.tensor([[6., 0., 0., 0.]])
    assert dis_t_objective(None, None, None, fake)['gen'] > dis_t_objective(None, None, None, real)['gen']
    assert dis_t_objective(None, None, real, None)['real'] > dis_t_objective(None, None, fake, None)['real']
    # no D_g batch: the term is exactly 0 (the -Low variants)
    assert float(dis_t_objective(lt, yt, lu, None)['gen']) == 0.0


def test_smoothness_on_batch_subgraph():
    # path 0-1-2-3; the batch holds nodes 0 (labelled 0), 1 (unlabelled), 3 (labelled 1): edges 0-1 only (2 is not in the batch)
    g = FeatureGraph.from_edges(4, [(0, 1, 0.5), (1, 2, 0.5), (2, 3, 0.5)], gamma=2.0)
    lt, yt = torch.zeros(2, 3), torch.tensor([0, 1])
    lu = torch.tensor([[0., 5., 0.]])                                       # node 1 predicted class 1
    T = dis_t_objective(lt, yt, lu, None, weights=TermWeights(lam=0.5), graph=g, nodes_t=[0, 3], nodes_u=[1],
                        node_labels=np.array([0, -1, -1, 1]))
    q = torch.softmax(torch.tensor([0., 5.]), 0)                            # K-class probabilities (first K logits)
    expected = math.exp(-1.0) * ((1 - q[0]) ** 2 + q[1] ** 2)
    assert torch.allclose(T['S'], expected.float(), atol=1e-5)
    assert torch.allclose(T['objective'], T['gen'] + T['lab'] + T['real'] + T['ent'] - 0.5 * T['S'])
    # a pseudo-labelled D_u node is one-hot in Y: its prediction no longer matters
    T2 = dis_t_objective(lt, yt, lu, None, weights=TermWeights(lam=0.5), graph=g, nodes_t=[0, 3], nodes_u=[1],
                         node_labels=np.array([0, 0, -1, 1]))
    assert float(T2['S']) == 0.0


# --- configuration -------------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize('kw,msg', [(dict(ablation='full'), 'ablation'), (dict(pairing='p'), 'pairing'), (dict(rounds=0), 'rounds'),
                                    (dict(trans_steps=-1), 'trans_steps'), (dict(eps_max=2), 'eps_max'), (dict(k_density=0), 'k_density'),
                                    (dict(min_reliability=1.5), 'min_reliability'), (dict(gamma=-1), 'gamma'), (dict(channels=(4, 8)), 'channels'),
                                    (dict(augment='yes'), 'augment'), (dict(translator_critic='copie'), 'translator_critic')])
def test_bad_options_are_named(kw, msg):
    with pytest.raises(ValueError, match=msg): Image2AudioConfig(**kw)


# --- runs ----------------------------------------------------------------------------------------------------------------------

@pytest.fixture
def spy(monkeypatch):
    "Record how dis_t_objective is called during a run."
    calls, orig = [], i2a.dis_t_objective
    def wrapped(lt, yt, lu, lg=None, graph=None, weights=None, **kw):
        lam = 0.0 if weights is None else weights.lam
        calls.append(dict(n_t=len(lt), n_g=0 if lg is None else len(lg), lam=lam, graph=graph is not None))
        return orig(lt, yt, lu, lg, graph=graph, weights=weights, **kw)
    monkeypatch.setattr(i2a, 'dis_t_objective', wrapped)
    return calls


@pytest.mark.parametrize('ablation', ['no_low_no_rel', 'no_low', 'no_high_no_rel', 'all'])
def test_ablation_switches(tmp_path, spy, ablation):
    out = _run(tmp_path, ablation, ablation=ablation)
    c, h = Image2AudioConfig(ablation=ablation), out['history']
    assert [r['epoch'] for r in h] == [1, 2] and h[0]['n_high'] == 0          # round 0: ε = 0
    assert (h[1]['n_high'] > 0) == c.use_high                               # high-density translations join D_t
    assert all((r['n_dg'] > 0) == c.use_low for r in h)                     # D_g only with "Low"
    assert all((x['n_g'] > 0) == c.use_low for x in spy)                    # … and the D_g term only then
    assert all((x['lam'] > 0 and x['graph']) == c.use_rel for x in spy)     # S only with "Rel"
    assert all((r.get('graph_nodes') is not None) == c.use_rel for r in h)
    if not c.use_rel: assert all(r['n_pseudo'] == 0 for r in h)             # no reliability-path labels
    else: assert h[-1]['n_pseudo'] > 0 and h[-1]['n_dt'] >= 12 + h[-1]['n_high'] + h[-1]['n_pseudo']
    for k in ('is_base', 'is_high', 'is_low', 'fid_high', 'fid_low'):
        assert out[k] is not None and math.isfinite(out[k]) and out[k] >= 0, k
    assert 1 <= out['is_base'] <= 3 and len(out['y_pred']) == len(out['y_true']) == 12
    assert set(np.unique(out['y_pred'])) <= {0, 1, 2}
    assert (tmp_path / ablation / 'generations.png').stat().st_size > 1000


def test_base_ablation_is_the_base_method(tmp_path):
    d = _data()
    out = _run(tmp_path, 'b1', data=d, ablation='base')
    cfg = {**TINY, 'out_dir': str(tmp_path / 'b2')}
    ref = run_base(d, cfg, RunDir(cfg))
    assert np.array_equal(out['y_pred'], ref['y_pred']) and out['ablation'] == 'base' and out['is_high'] is None


def test_unlabelled_labels_are_never_used(tmp_path):
    d = _data()
    a = _run(tmp_path, 'a', data=d, ablation='all', pairing='paired')
    from img2audio.splits import split_indices
    sp = split_indices(d.meta, 0); du = np.r_[sp['S2'], sp['S3']]
    y = d.labels.clone(); y[du] = y[du][torch.randperm(len(du), generator=torch.Generator().manual_seed(1))]
    y[du[:3]] = (y[du[:3]] + 1) % 3                                         # and change some outright
    assert not torch.equal(y, d.labels)
    import dataclasses
    b = _run(tmp_path, 'b', data=dataclasses.replace(d, labels=y), ablation='all', pairing='paired')
    assert np.array_equal(a['y_pred'], b['y_pred']) and np.array_equal(a['y_true'], b['y_true'])
    assert _strip(a['history']) == _strip(b['history']) and a['anneal'] == b['anneal'] and a['fid_high'] == b['fid_high']


def test_paired_needs_faces(tmp_path):
    with pytest.raises(ValueError, match="pairing='paired' needs a corpus with paired faces"):
        _run(tmp_path, 'p', data=_data(paired=False), pairing='paired')
    import dataclasses
    with pytest.raises(ValueError, match="needs a face pool"):
        _run(tmp_path, 'u', data=dataclasses.replace(_data(), pool=None), pairing='unpaired')


def test_resume_after_interruption(tmp_path):
    full = _run(tmp_path, 'full', rounds=3)
    class Stop(Exception): pass
    def stop(rec):
        if rec['epoch'] == 2: raise Stop
    with pytest.raises(Stop): _run(tmp_path, 'cut', rounds=3, on_round=stop)
    assert (tmp_path / 'cut' / 'checkpoint_i2a.safetensors').exists()
    seen = []
    resumed = _run(tmp_path, 'cut', rounds=3, on_round=lambda r: seen.append(r['epoch']))
    assert seen == [3]                                                      # continued after the last finished round
    assert np.array_equal(full['y_pred'], resumed['y_pred'])
    d = [(k, a[k], b.get(k)) for a, b in zip(_strip(full["history"]), _strip(resumed["history"])) for k in a if a[k] != b.get(k)]
    assert not d, d
    assert all(full[k] == resumed[k] for k in ('is_base', 'is_high', 'is_low', 'fid_high', 'fid_low', 'anneal'))


# --- warm start from the Base network, shared by the ablations of a seed ----------------------------------------------------------

def test_warm_start_copies_base_network():
    from img2audio.base import SpecCNN
    torch.manual_seed(0); base, dis = SpecCNN(3).eval(), SpecCNN(4).eval()
    for p in base.parameters(): p.data.normal_()
    i2a.warm_start_dis_t(dis, base)
    x = torch.randn(5, 1, 64, 156)
    with torch.no_grad(): lb, ld = base(x), dis(x)
    assert torch.allclose(ld[:, :3], lb, atol=1e-5) and torch.all(ld[:, 3] == 0)      # K logits unchanged, the fake logit starts at 0
    with pytest.raises(ValueError, match='K\\+1=4'): i2a.warm_start_dis_t(SpecCNN(3), base)
    with pytest.raises(RuntimeError): i2a.warm_start_dis_t(SpecCNN(4, channels=(8, 16, 32, 48)), base)


def test_warm_start_needs_base_channels():
    with pytest.raises(ValueError, match='warm_start=False'): Image2AudioConfig(dis_channels=(4, 8, 8, 8))


def test_base_network_cached_and_shared_by_ablations(tmp_path, caplog):
    "The ablations of one seed start from the same Base network, trained once and then read from the content-keyed cache."
    import logging
    data, cache = _data(), tmp_path / 'cache'
    with caplog.at_level(logging.INFO, logger='img2audio'):
        a = _run(tmp_path, 'a', data, ablation='all', cache_dir=str(cache))
        assert 'from the cache' not in caplog.text
        b = _run(tmp_path, 'b', data, ablation='no_low', cache_dir=str(cache))
        assert 'Base network of this seed from the cache' in caplog.text
    assert len(list(cache.glob('*.safetensors'))) == 2                                  # the Base network and the judge
    assert a['base_accuracy'] == b['base_accuracy']
    from safetensors.torch import load_file
    wa, wb = load_file(str(tmp_path / 'a' / 'model.safetensors')), load_file(str(tmp_path / 'b' / 'model.safetensors'))
    assert all(torch.equal(wa[k], wb[k]) for k in wa)
    c = _run(tmp_path, 'c', data, ablation='all', cache_dir=str(cache), seed=1)         # another seed: another split, another network
    assert len(list(cache.glob('*.safetensors'))) == 4 and c['split'] != a['split']


def test_graph_figure_written(tmp_path):
    _run(tmp_path, 'g', ablation='all')
    assert (tmp_path / 'g' / 'graph.png').stat().st_size > 10_000
    _run(tmp_path, 'n', ablation='no_low_no_rel')
    assert not (tmp_path / 'n' / 'graph.png').exists()                               # no reliability paths, no graph


# --- diagnostics, quality gate, batch share, graph and batch norm over real data -----------------------------------------------

def test_diagnostics_per_round_and_last(tmp_path):
    out = _run(tmp_path, 'd', ablation='all', rounds=3)
    for k in ('translation_judge_accuracy', 'translation_dis_t_accuracy', 'translation_spread', 'gate_agreement', 'path_coverage',
              'path_accuracy', 'eps'):
        assert len(out[k]) == 3 and out[f'{k}_last'] == out[k][-1], k
    assert all(0 <= v <= 1 for v in out['translation_judge_accuracy']) and 0 <= out['judge_s4_accuracy'] <= 1
    assert 'pretrain_translation_judge_accuracy' in out and out['inception'].startswith('the judge network')
    for k in ('dis_t_du_after_translator', 'dis_t_du_accuracy', 'path_gate_agreement'):   # which phase moves Dis_t; paths' check
        assert len(out[k]) == 3 and out[f'{k}_last'] == out[k][-1], k
    assert 0 <= out['pretrain_dis_t_du_accuracy'] <= 1 and 0 <= out['base_du_accuracy'] <= 1
    h = out['history'][-1]
    assert h['graph_nodes'] == 48 - 12 and 0 < h['path_coverage'] <= 1   # real S1 ∪ S2 ∪ S3 only: translations are no nodes


def test_quality_gate_holds_eps_at_zero(tmp_path):
    out = _run(tmp_path, 'gate', ablation='all', rounds=3, gate=1.0, n_gen=30)   # 1.0: only a perfect Dis_t agreement opens it
    h = out['history']
    assert all(r['gate_agreement'] is not None for r in h)
    assert all((r['eps'] > 0) == (r['gate_agreement'] >= 1.0) for r in h)
    assert all(r['n_high'] == 0 for r in h if r['eps'] == 0)


def test_translation_share_capped(tmp_path):
    out = _run(tmp_path, 'cap', ablation='no_low_no_rel', rounds=2, gen_share=0.25, n_gen=60)
    assert out['history'][1]['n_high'] > 12                                   # more translations than real labelled clips …
    assert 0 < out['history'][1]['gen_in_batch'] <= 0.25 + 1e-9             # … but at most a quarter of each D_t batch


def test_dis_t_bn_statistics_from_real_data_only():
    "Translations (D_t and D_g) change Dis_t's weights but never its batch-norm running statistics."
    from img2audio.base import SpecCNN
    c = Image2AudioConfig(ablation='no_high_no_rel', dis_steps=2, dis_batch=4, warm_start=False, dis_channels=(4, 8, 8, 8))
    stats = []
    for scale in (0.0, 50.0):
        torch.manual_seed(0); m = torch.nn.Module(); m.dis_t = SpecCNN(4, channels=(4, 8, 8, 8))
        opt = torch.optim.SGD(m.dis_t.parameters(), lr=0.0)                 # lr 0: only the statistics could move
        X = torch.rand(8, 1, 64, 156); g = torch.Generator().manual_seed(0)
        sets = i2a.DisTSets(X, np.arange(8) % 3, np.full(8, -1), X[:0], np.zeros(0, np.int64), X, np.full(8, -1),
                            torch.full((8, 1, 64, 156), scale))
        i2a.dis_t_phase(m.dis_t, opt, c, sets, None, g, 'cpu')
        stats.append([b.running_mean.clone() for b in m.dis_t.modules() if isinstance(b, torch.nn.BatchNorm2d)])
    assert all(torch.equal(a, b) for a, b in zip(*stats))


def test_path_gate_decides_whether_du_takes_path_labels(tmp_path, monkeypatch):
    "Paths that fail the speaker check leave D_u unlabelled (and say so); paths that pass it label D_u."
    monkeypatch.setattr(i2a, 'path_agreement', lambda *a, **k: 0.1)       # the check: paths wrong for a hidden speaker
    shut = _run(tmp_path, 'shut', ablation='all', rounds=1, min_reliability=0.0)['history'][-1]
    monkeypatch.setattr(i2a, 'path_agreement', lambda *a, **k: 0.9)
    open_ = _run(tmp_path, 'open', ablation='all', rounds=1, min_reliability=0.0)['history'][-1]
    assert shut['path_coverage'] > 0 and open_['path_coverage'] > 0        # the paths reach D_u in both runs
    assert shut['n_pseudo'] == 0 and shut['path_gate_open'] is False and shut['path_gate_agreement'] == 0.1
    assert open_['n_pseudo'] > 0 and open_['path_gate_open'] is True


def test_pretraining_leaves_dis_t_as_the_base_network(tmp_path):
    "The translator pre-trains against a copy: with no later updates, Dis_t still predicts S4 as the Base network does."
    kw = dict(ablation='all', rounds=1, trans_steps=0, dis_steps=0, pretrain_steps=4)
    acc = lambda o: float(np.mean(o['y_pred'] == o['y_true']))
    copy_ = _run(tmp_path, 'copy', **kw)
    assert acc(copy_) == copy_['base_accuracy'] and copy_['pretrain_dis_t_du_accuracy'] is not None
    assert copy_['history'][-1]['dis_t_du_after_translator'] == copy_['base_du_accuracy']
    kept = _run(tmp_path, 'kept', pretrain_keeps_dis_t=True, **kw)
    assert kept['history'][-1]['dis_t_du_after_translator'] == kept['pretrain_dis_t_du_accuracy']   # its updates stay


def test_translator_phases_train_a_copy_of_dis_t(tmp_path):
    "By default the rounds' translator phases leave Dis_t's weights as they were; translator_critic='dis_t' trains Dis_t."
    from safetensors.torch import load_file
    kw = dict(ablation='all', rounds=2, trans_steps=3, dis_steps=0, pretrain_steps=2, dis_lr=1e-2)
    dis_t = lambda name: {k: v for k, v in load_file(str(tmp_path / name / 'model_i2a.safetensors')).items()
                          if k.startswith('dis_t.')}
    for name, steps, critic in (('none', 0, 'copy'), ('copy', 3, 'copy'), ('itself', 3, 'dis_t')):
        _run(tmp_path, name, **{**kw, 'trans_steps': steps, 'translator_critic': critic})
    ref, copy_, itself = dis_t('none'), dis_t('copy'), dis_t('itself')
    assert all(torch.equal(ref[k], copy_[k]) for k in ref)                # Dis_t as if no translator phase had run
    assert not all(torch.equal(ref[k], itself[k]) for k in ref)           # Eq. 8 as written: the phases move Dis_t


def test_device_resolved_once_per_run(tmp_path, monkeypatch):
    "The run's settings are resolved once (`RunConfig`) and reach every step typed, never re-defaulted from the dict."
    import img2audio.methods as M
    calls, orig = [], M.resolve_device
    monkeypatch.setattr(M, 'resolve_device', lambda d: calls.append(d) or orig(d))
    out = _run(tmp_path, 'once', ablation='all', rounds=1)
    assert calls == ['cpu'] and len(out['history']) == 1
