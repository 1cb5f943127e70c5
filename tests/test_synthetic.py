"Tests of the synthetic audio-visual corpus and face pool (img2audio.synthetic)."
import re
import numpy as np, pandas as pd, pytest
from img2audio.core import EMOTIONS, META_COLUMNS, AVCorpus, FacePool
from img2audio.synthetic import make_synthetic_corpus, make_synthetic_face_pool, EMOTION_VOICE, EMOTION_FACE

@pytest.fixture(scope='module')
def corpus(): return make_synthetic_corpus(n_actors=4, seed=0)

def test_deterministic_and_seeded(corpus):
    again = make_synthetic_corpus(n_actors=4, seed=0)
    pd.testing.assert_frame_equal(corpus.meta, again.meta)
    assert all(np.array_equal(a, b) for a, b in zip(corpus.waves, again.waves))
    assert np.array_equal(corpus.faces, again.faces)
    other = make_synthetic_corpus(n_actors=4, seed=1)
    assert not np.array_equal(corpus.faces, other.faces)
    assert not any(np.array_equal(a, b) for a, b in zip(corpus.waves, other.waves))

def test_actor_streams_do_not_depend_on_n_actors(corpus):
    bigger = make_synthetic_corpus(n_actors=5, seed=0)
    assert np.array_equal(bigger.faces[:240], corpus.faces)
    assert np.array_equal(bigger.waves[239], corpus.waves[239])

def test_design_counts(corpus):
    m = corpus.meta
    assert isinstance(corpus, AVCorpus) and corpus.name == 'synthetic' and len(corpus) == 240
    assert tuple(m.columns) == META_COLUMNS
    assert (m.groupby('actor').size() == 60).all()
    cnt = m.groupby(['actor', 'emotion', 'intensity']).size()
    for a in range(1, 5):
        assert cnt[(a, 'neutral', 'normal')] == 4 and (a, 'neutral', 'strong') not in cnt.index
        for e in EMOTIONS[1:8]: assert cnt[(a, e, 'normal')] == 4 and cnt[(a, e, 'strong')] == 4
    assert set(m.statement) == {1, 2} and set(m.repetition) == {1, 2} and set(m.source) == {'synthetic'}
    assert m.groupby(['actor', 'emotion', 'intensity', 'statement', 'repetition']).size().max() == 1
    assert corpus.classes == list(EMOTIONS[:8])

def test_gender_parity_and_ids(corpus):
    m = corpus.meta
    assert (m.gender == np.where(m.actor % 2 == 1, 'M', 'F')).all()
    assert (m.gender == 'M').sum() == (m.gender == 'F').sum()
    assert m.clip_id.is_unique
    assert all(re.fullmatch(r'syn-03-01-0[1-8]-0[12]-0[12]-0[12]-\d\d', c) for c in m.clip_id)
    r = m.iloc[-1]
    assert r.clip_id == f'syn-03-01-08-02-02-02-04' and r.emotion == 'surprised' and r.intensity == 'strong'

def test_shapes_dtypes_ranges(corpus):
    assert corpus.sr == 16000
    for w in corpus.waves:
        assert w.dtype == np.float32 and w.shape == (48000,)
        assert np.isfinite(w).all() and np.abs(w).max() <= 1.0 and w.std() > 1e-3
    assert corpus.faces.dtype == np.uint8 and corpus.faces.shape == (240, 64, 64)
    assert corpus.faces.std() > 20
    c8 = make_synthetic_corpus(n_actors=4, seed=0, sr=8000)
    assert c8.sr == 8000 and c8.waves[0].shape == (24000,)

def test_voice_is_not_always_centred(corpus):
    "The voiced part starts at a random time: the loud frames' centre varies from clip to clip."
    centres = []
    for w in corpus.waves[:60]:
        e = np.convolve(w ** 2, np.ones(800) / 800, 'same'); loud = np.where(e > 0.1 * e.max())[0]
        centres.append((loud[0] + loud[-1]) / 2 / 16000)
    assert np.std(centres) > 0.05

def test_emotions_change_voice_and_face(corpus):
    m = corpus.meta
    rms = pd.Series([float(np.sqrt(np.mean(w ** 2))) for w in corpus.waves])
    strong = m.intensity == 'strong'
    # the tables make angry louder than sad, and strong angry louder than normal angry
    assert rms[(m.emotion == 'angry') & strong].median() > 2 * rms[(m.emotion == 'sad') & strong].median()
    assert rms[(m.emotion == 'angry') & strong].median() > rms[(m.emotion == 'angry') & ~strong].median()
    means = {e: corpus.faces[(m.emotion == e).to_numpy()].astype(float).mean(0) for e in EMOTIONS[:8]}
    for i, a in enumerate(EMOTIONS[:8]):
        for b in EMOTIONS[i + 1:8]:
            assert np.abs(means[a] - means[b]).mean() > 0.5, (a, b)

def test_bad_parameters():
    for bad in (3, 0, -1, 2.5, 'many'):
        with pytest.raises(ValueError, match='n_actors'): make_synthetic_corpus(n_actors=bad)
    with pytest.raises(ValueError, match='classes'): make_synthetic_face_pool(classes=['joy'])
    with pytest.raises(ValueError, match='n_subjects'): make_synthetic_face_pool(n_subjects=0)

def test_face_pool(corpus):
    pool = make_synthetic_face_pool(n_subjects=6, per_class=3)
    assert isinstance(pool, FacePool) and len(pool) == 6 * 3 * 8
    assert pool.images.dtype == np.uint8 and pool.images.shape[1:] == (64, 64)
    assert sorted(set(pool.subjects)) == [f'syn-S{i:03d}' for i in range(1, 7)]
    assert not set(pool.subjects) & set(map(str, corpus.meta.actor))
    assert pool.classes == list(EMOTIONS[:8]) and pool.counts() == {e: 18 for e in EMOTIONS[:8]}
    assert np.array_equal(pool.images, make_synthetic_face_pool(n_subjects=6, per_class=3).images)
    assert not np.array_equal(pool.images, make_synthetic_face_pool(n_subjects=6, per_class=3, seed=2).images)
    # identities differ from the corpus actors: no pool face is (nearly) a copy of a corpus face
    d = np.abs(pool.images[:, None].astype(np.int16) - corpus.faces[None, ::4].astype(np.int16)).mean((2, 3))
    assert d.min() > 5
    cp = make_synthetic_face_pool(n_subjects=2, per_class=1, classes=['happy', 'contempt'])
    assert cp.classes == ['happy', 'contempt'] and len(cp) == 4

def test_tables_are_complete():
    assert set(EMOTION_VOICE) == set(EMOTIONS[:8]) and set(EMOTION_FACE) == set(EMOTIONS)
    assert len({tuple(v.values()) for v in EMOTION_VOICE.values()}) == 8
