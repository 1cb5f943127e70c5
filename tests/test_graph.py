"Tests of img2audio.graph: exact neighbour search, Laplacian/smoothness, reliability paths vs networkx."
import math
import numpy as np, pytest, scipy.sparse as sp, torch, networkx as nx
from img2audio.graph import (FeatureGraph, build_graph, neighbor_pairs, default_beta, kth_neighbor_sqdist, laplacian,
                             label_matrix, smoothness, smoothness_trace, laplacian_tensor, reliability_paths, STATUSES)


def clustered(n, d, k, seed):
    rng = np.random.default_rng(seed)
    c = rng.normal(size=(k, d)) * 4
    y = rng.integers(0, k, n)
    return c[y] + rng.normal(size=(n, d)), y


def brute_edges(x, beta, cap):
    d = ((x[:, None] - x[None]) ** 2).sum(-1)
    np.fill_diagonal(d, np.inf)
    e = {}
    for a in range(len(x)):
        nb = np.argsort(d[a], kind='stable')[:cap] if cap else np.nonzero(d[a] <= beta)[0]
        for b in nb:
            if d[a, b] <= beta: e[(min(a, b), max(a, b))] = d[a, b]
    return e


@pytest.mark.parametrize('n,d,cap,seed', [(2500, 16, 10, 1), (1800, 5, None, 2), (300, 96, 20, 3)])
def test_neighbor_search_matches_brute_force(n, d, cap, seed):
    x, _ = clustered(n, d, 7, seed)
    beta = default_beta(x, k=8)
    i, j, d2 = neighbor_pairs(x, beta, cap, cell_size=128)      # many pruning cells
    ref = brute_edges(x, beta, cap)
    got = dict(zip(zip(i.tolist(), j.tolist()), d2))
    assert set(got) == set(ref)
    assert np.allclose([got[k] for k in ref], [ref[k] for k in ref])
    assert (i < j).all() and (d2 <= beta).all()


def test_kth_neighbor_and_beta_sample_is_exact_for_sampled_nodes():
    x, _ = clustered(3000, 8, 5, 0)
    full = kth_neighbor_sqdist(x, 5, n_sample=10_000)
    samp = kth_neighbor_sqdist(x, 5, n_sample=500, seed=3)
    idx = np.sort(np.random.default_rng(3).choice(3000, 500, replace=False))
    assert np.allclose(samp, full[idx], rtol=1e-4)
    assert abs(default_beta(x, 5, 0.9, n_sample=1000) / np.quantile(full, 0.9) - 1) < 0.1


def test_build_graph_torch_input_pca_and_info():
    x, _ = clustered(600, 32, 4, 5)
    g = build_graph(torch.tensor(x, dtype=torch.float32), pca_dim=8, max_neighbors=12)
    assert g.info['pca_dim'] == 8 and 0 < g.info['pca_explained'] <= 1
    assert 'beta_rule' in g.info and 'gamma_rule' in g.info
    W = g.W
    assert (W != W.T).nnz == 0 and W.diagonal().sum() == 0 and W.data.max() <= 1
    assert np.isclose(np.median(g.weights), math.exp(-1))
    g2 = build_graph(x, beta=g.beta * 0.5, gamma=2.0)
    assert g2.gamma == 2.0 and (g2.sqdist <= g.beta * 0.5).all()


def test_duplicates_give_unit_weight_edges_that_paths_can_use():
    x = np.array([[0., 0], [0, 0], [0, 0], [5, 5], [5, 5.1]])
    g = build_graph(x, beta=0.5, gamma=1.0)
    assert {(0, 1), (0, 2), (1, 2), (3, 4)} == set(zip(g.rows.tolist(), g.cols.tolist()))
    assert np.allclose(g.W[0, 1], 1.0)
    r = reliability_paths(g, [0, -1, -1, 1, -1])
    assert r.labels.tolist() == [0, 0, 0, 1, 1] and np.allclose(r.reliability[:3], 1.0)


@pytest.mark.parametrize('bad,msg', [(np.zeros(5), '2-D'), (np.zeros((1, 3)), 'at least 2'),
                                     (np.array([[0., np.inf], [1, 1]]), 'NaN or inf')])
def test_bad_features(bad, msg):
    with pytest.raises(ValueError, match=msg): build_graph(bad)


def test_bad_parameters():
    x, _ = clustered(50, 3, 2, 0)
    with pytest.raises(ValueError, match='gamma'): build_graph(x, gamma=0)
    with pytest.raises(ValueError, match='beta_quantile'): build_graph(x, beta_quantile=1.5)
    with pytest.raises(ValueError, match='max_neighbors'): build_graph(x, max_neighbors=2.5)


# ---------------------------------------------------------------- Laplacian and smoothness
def small_graph(seed=0, n=80):
    x, y = clustered(n, 4, 3, seed)
    return build_graph(x, k=5, max_neighbors=8), y


def test_laplacian_properties():
    g, _ = small_graph()
    L = laplacian(g)
    assert np.allclose(L.sum(1), 0) and (L != L.T).nnz == 0
    ev = np.linalg.eigvalsh(L.toarray())
    assert ev.min() > -1e-9                                  # positive semi-definite
    assert np.allclose(laplacian(g.W).toarray(), L.toarray())


def test_smoothness_forms_agree_and_gradients():
    g, _ = small_graph(1)
    n = g.n
    torch.manual_seed(0)
    logits = torch.randn(n, 3, dtype=torch.float64, requires_grad=True)
    labels = np.full(n, -1); labels[:10] = np.arange(10) % 3
    f_edge = lambda z: smoothness(label_matrix(labels, torch.softmax(z, 1)), g)
    f_trace = lambda z: smoothness_trace(label_matrix(labels, torch.softmax(z, 1)), g)
    Y = label_matrix(labels, torch.softmax(logits, 1)).detach().numpy()
    W = g.W.toarray()
    pairwise = 0.5 * (W * ((Y[:, None] - Y[None]) ** 2).sum(-1)).sum()
    assert np.isclose(f_edge(logits).item(), pairwise) and np.isclose(f_trace(logits).item(), pairwise)
    assert torch.autograd.gradcheck(f_edge, (logits,)) and torch.autograd.gradcheck(f_trace, (logits,))
    # dS/dY = 2 L Y for the unlabelled rows
    P = torch.softmax(logits, 1).detach().requires_grad_()
    smoothness(label_matrix(labels, P), g).backward()
    expect = 2 * laplacian(g).toarray() @ Y
    assert np.allclose(P.grad[10:].numpy(), expect[10:]) and P.grad[:10].abs().sum() == 0
    L = laplacian_tensor(g, torch.float64)
    assert torch.allclose(smoothness_trace(torch.tensor(Y), L), torch.tensor(pairwise, dtype=torch.float64))
    assert np.isclose(smoothness_trace(torch.tensor(Y), laplacian(g)).item(), pairwise)


def test_subgraph_smoothness_is_the_induced_one():
    g, _ = small_graph(2)
    nodes = np.random.default_rng(0).permutation(g.n)[:30]
    sub = g.subgraph(nodes)
    Y = torch.softmax(torch.randn(g.n, 3, dtype=torch.float64), 1)
    W = g.W.toarray()[np.ix_(nodes, nodes)]
    Ys = Y[nodes].numpy()
    assert np.isclose(smoothness(Y[nodes], sub).item(), 0.5 * (W * ((Ys[:, None] - Ys[None]) ** 2).sum(-1)).sum())
    with pytest.raises(ValueError, match='distinct'): g.subgraph([0, 0])
    with pytest.raises(ValueError, match='Y must be'): smoothness(Y, sub)


def test_label_matrix_errors():
    p = torch.full((4, 3), 1 / 3)
    with pytest.raises(ValueError, match='class index'): label_matrix([0, 3, -1, -1], p)
    with pytest.raises(ValueError, match='rows'): label_matrix([0, 1], p)


# ---------------------------------------------------------------- reliability paths
def line(costs, gamma=1.0):
    "Chain 0-1-...-n with the given squared edge lengths."
    return FeatureGraph.from_edges(len(costs) + 1, [(i, i + 1, c) for i, c in enumerate(costs)], gamma=gamma)


def test_chain_and_path():
    r = reliability_paths(line([0.5, 0.5, 1.0], gamma=2.0), [0, -1, -1, -1])
    assert r.labels.tolist() == [0, 0, 0, 0]
    assert np.allclose(r.reliability, np.exp(-2.0 * np.array([0, .5, 1, 2])))
    assert r.path_to(3) == [0, 1, 2, 3] and r.path_to(0) == [0]
    assert r.counts() == dict(labelled=1, assigned=3, ambiguous=0, weak=0, unreachable=0)


def test_blocked_by_other_label():
    # 0(c0) - 1(c1) - 2 ; 2 can only be reached from label 0 through node 1, which is forbidden
    r = reliability_paths(line([0.1, 0.1]), [0, 1, -1])
    assert r.labels.tolist() == [0, 1, 1] and r.path_to(2) == [1, 2]
    assert not np.isfinite(r.cost[0, 2])
    r = reliability_paths(line([0.1, 0.1]), [0, 1, -1], n_classes=3)       # a class with no labelled node
    assert r.labels.tolist() == [0, 1, 1] and np.isinf(r.cost[2]).all()


def test_same_label_nodes_relay_and_more_reliable_label_wins_even_with_more_hops():
    # 0(c0) -.1- 1 -.1- 2 -.1- 3 -1.0- 4(c1): node 3 is reached by c0 with cost .3, by c1 with cost 1
    r = reliability_paths(line([.1, .1, .1, 1.0]), [0, -1, -1, -1, 1])
    assert r.labels.tolist() == [0, 0, 0, 0, 1]
    # a labelled node of the same class on the way restarts the path at reliability 1
    r = reliability_paths(line([1., 1., 1.]), [0, -1, 0, -1])
    assert np.allclose(r.reliability, np.exp([0, -1, 0, -1])) and r.path_to(3) == [2, 3]


def test_ties_stay_unlabelled_and_margin():
    diamond = FeatureGraph.from_edges(4, [(0, 2, 1.), (1, 2, 1.), (2, 3, .5)])   # 0 and 1 both one edge from 2
    r = reliability_paths(diamond, [0, 1, -1, -1])
    assert r.labels.tolist() == [0, 1, -1, -1] and set(r.status[2:]) == {'ambiguous'}
    assert r.path_to(3) == [] and r.path_to(3, label=0) == [0, 2, 3] and r.path_to(3, label=1) == [1, 2, 3]
    r = reliability_paths(line([1., 1., 1.3, 1.]), [0, -1, -1, -1, 1])
    assert r.labels.tolist() == [0, 0, 0, 1, 1]
    r = reliability_paths(line([1., 1., 1.3, 1.]), [0, -1, -1, -1, 1], margin=0.5)
    assert r.labels.tolist() == [0, 0, -1, 1, 1] and r.status[2] == 'ambiguous'


def test_threshold_and_unreachable():
    r = reliability_paths(line([1., 1., 1.]), [0, -1, -1, -1], min_reliability=math.exp(-2.5))
    assert r.labels.tolist() == [0, 0, 0, -1] and r.status[3] == 'weak' and r.reliability[3] == 0
    g = FeatureGraph.from_edges(5, [(0, 1, 1.), (2, 3, 1.)])
    r = reliability_paths(g, [0, -1, -1, -1, -1])
    assert r.labels.tolist() == [0, 0, -1, -1, -1] and list(r.status[2:]) == ['unreachable'] * 3
    assert r.path_to(4) == [] and r.path_to(4, label=0) == []


def test_bad_reliability_inputs():
    g = line([1., 1.])
    with pytest.raises(ValueError, match='shape'): reliability_paths(g, [0, -1])
    with pytest.raises(ValueError, match='class index'): reliability_paths(g, [0, -1, 5], n_classes=2)
    with pytest.raises(ValueError, match='integers'): reliability_paths(g, [0., -1, 1])
    with pytest.raises(ValueError, match='min_reliability'): reliability_paths(g, [0, -1, -1], min_reliability=2)
    with pytest.raises(ValueError, match='margin'): reliability_paths(g, [0, -1, -1], margin=-1)
    with pytest.raises(TypeError, match='FeatureGraph'): reliability_paths(np.eye(3), [0, -1, -1])


def random_case(seed, n=400, k=4):
    x, y = clustered(n, 6, k, seed)
    g = build_graph(x, k=6, max_neighbors=6)
    rng = np.random.default_rng(seed)
    lab = np.full(n, -1); pick = rng.choice(n, 25, replace=False); lab[pick] = rng.integers(0, k, 25)  # noisy labels
    return g, lab, k


@pytest.mark.parametrize('seed', [0, 1, 2])
def test_costs_match_networkx_label_constrained_dijkstra(seed):
    g, lab, k = random_case(seed)
    r = reliability_paths(g, lab, n_classes=k)
    G = g.to_networkx()
    for c in range(k):
        src = set(np.nonzero(lab == c)[0].tolist())
        H = G.subgraph([v for v in G if lab[v] in (-1, c)])
        dist = nx.multi_source_dijkstra_path_length(H, src, weight='cost') if src else {}
        ref = np.array([dist.get(v, np.inf) for v in range(g.n)])
        assert np.allclose(r.cost[c], ref, equal_nan=False)


@pytest.mark.parametrize('seed', [0, 1, 2, 3])
def test_chosen_paths_are_label_pure_and_consistent(seed):
    g, lab, k = random_case(seed)
    r = reliability_paths(g, lab, n_classes=k, margin=0.3, min_reliability=1e-4)
    assert set(r.status) <= set(STATUSES)
    W = g.W
    for v in range(g.n):
        p = r.path_to(v)
        if r.labels[v] < 0: assert p == []; continue
        assert lab[p[0]] == r.labels[v]                         # starts at a labelled node of that label
        assert all(r.labels[u] == r.labels[v] for u in p)      # every node on it carries the label
        assert all(lab[u] in (-1, r.labels[v]) for u in p)     # never enters another label's node
        rel = np.prod([W[a, b] for a, b in zip(p[:-1], p[1:])])
        assert np.isclose(rel, r.reliability[v])               # reliability = product of edge weights
    assert (r.labels[lab >= 0] == lab[lab >= 0]).all()


def test_sparse_weight_matrix_input_matches_graph():
    g, lab, k = random_case(7)
    a = reliability_paths(g, lab, n_classes=k)
    b = reliability_paths(g.W, lab, n_classes=k)
    assert (a.labels == b.labels).all() and np.allclose(a.reliability, b.reliability)


def test_clustered_pseudo_labels_are_accurate():
    x, y = clustered(2000, 16, 5, 11)
    g = build_graph(x)
    lab = np.full(2000, -1); idx = np.random.default_rng(0).choice(2000, 50, replace=False); lab[idx] = y[idx]
    r = reliability_paths(g, lab, n_classes=5)
    assert len(r.new) > 1500 and (r.labels[r.new] == y[r.new]).mean() > 0.99
