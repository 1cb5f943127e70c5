"Cross-module tests: real-format corpora on disk → features (content-keyed cache) → run_experiment, with broken files and face sets."
import json, subprocess
from pathlib import Path
import numpy as np, pytest, soundfile as sf
from PIL import Image
import img2audio
from img2audio.experiment import run_experiment
from img2audio.runs import load_experiment_data, _content_key
from img2audio.features import FeatureConfig, waves_to_specs

EMO = {1: 'neutral', 3: 'happy', 4: 'sad', 5: 'angry'}


def make_ravdess(root: Path, actors=(1, 2, 3, 4), sr=48000):
    "A tiny RAVDESS-format folder: per actor, emotions 01/03/04/05 x 2 statements, tones whose pitch depends on the emotion."
    rng = np.random.default_rng(0)
    for a in actors:
        d = root/f'Actor_{a:02d}'; d.mkdir(parents=True)
        for e in EMO:
            for s in (1, 2):
                t = np.arange(int(sr * 3.0)) / sr
                x = np.where((t > 0.8) & (t < 2.2), 0.3 * np.sin(2 * np.pi * (120 + 40 * e + 5 * a) * t), 0) + 0.003 * rng.standard_normal(len(t))
                ext = 'flac' if s == 1 else 'wav'
                sf.write(d/f'03-01-{e:02d}-01-{s:02d}-01-{a:02d}.{ext}', np.stack([x, x], 1) if a == 2 else x, sr)
    return root


def make_faces(root: Path, classes=('happy', 'sad', 'anger', 'surprise')):
    rng = np.random.default_rng(1)
    for i, c in enumerate(classes):
        (root/c).mkdir(parents=True)
        for k in range(3):
            Image.fromarray(rng.integers(0, 255, (48, 48), dtype=np.uint8)).save(root/c/f'S{100+k:03d}_{i}.png')
    return root


def test_ravdess_end_to_end_with_broken_files_and_faces(tmp_path):
    data = make_ravdess(tmp_path/'rav')
    (data/'Actor_03'/'03-01-05-01-01-01-03.flac').write_bytes(b'not audio')       # corrupt
    (data/'Actor_04'/'03-01-09-01-01-01-04.wav').write_bytes(b'x')                # mis-named (emotion 09)
    faces = make_faces(tmp_path/'faces')
    m = run_experiment(dataset='ravdess', data_dir=data, face_dirs=str(faces), epochs=1, device='cpu', progress=False,
                       out_dir=tmp_path/'run', cache_dir=tmp_path/'cache')
    cfg = json.loads((tmp_path/'run'/'config.json').read_text())
    assert cfg['classes'] == ['happy', 'sad', 'angry']            # shared by the audio (no neutral in faces) and the face set
    root = Path(img2audio.__file__).resolve().parent.parent
    head = subprocess.run(['git', '-C', str(root), 'rev-parse', 'HEAD'], capture_output=True, text=True)
    if (root/'settings.ini').exists() and head.returncode == 0:   # an editable checkout (CI's clone): it names its commit
        assert cfg['versions']['commit'].split('+')[0] == head.stdout.strip()
    assert cfg['n_clips'] == 4 * 3 * 2 - 1                        # the corrupt angry clip is skipped
    skipped = {Path(f).name: r for f, r in cfg['skipped']}
    assert '03-01-05-01-01-01-03.flac' in skipped and '03-01-09-01-01-01-04.wav' in skipped
    assert 'skipped' in (tmp_path/'run'/'run.log').read_text()
    assert m['n_test'] > 0 and 0 <= m['accuracy'] <= 1 and set(m['per_class_recall']) <= {'happy', 'sad', 'angry'}


def test_cache_is_keyed_by_content(tmp_path):
    data = make_ravdess(tmp_path/'rav', actors=(1, 2, 3, 4))
    k1 = _content_key('ravdess', data, None, None, FeatureConfig())
    f = data/'Actor_01'/'03-01-03-01-01-01-01.flac'
    x, sr = sf.read(f); sf.write(f, x * 0.5, sr)                 # same name, new content
    assert _content_key('ravdess', data, None, None, FeatureConfig()) != k1
    assert _content_key('ravdess', data, None, None, FeatureConfig(n_mels=80)) != _content_key('ravdess', data, None, None, FeatureConfig())
    a = load_experiment_data('ravdess', data, cache_dir=tmp_path/'c', need_pool=False)
    b = load_experiment_data('ravdess', data, cache_dir=tmp_path/'c', need_pool=False)
    assert not a.cache_hit and b.cache_hit and (a.specs == b.specs).all() and list(a.meta.clip_id) == list(b.meta.clip_id)


def test_sample_rate_and_channels_do_not_change_features(tmp_path):
    from img2audio.corpora import read_audio
    t = np.arange(48000 * 3) / 48000; x = np.where((t > 1) & (t < 2), 0.3 * np.sin(2 * np.pi * 220 * t), 0)
    sf.write(tmp_path/'a48.flac', x, 48000); sf.write(tmp_path/'a16.wav', x[::3], 16000); sf.write(tmp_path/'st.wav', np.stack([x, x], 1), 48000)
    s = waves_to_specs([read_audio(tmp_path/n) for n in ('a48.flac', 'a16.wav', 'st.wav')])
    loud = (s[0] > -0.5).numpy()                                         # cells above the floor (log amplifies rounding near silence)
    assert np.abs((s[0] - s[2]).numpy())[loud].max() < 0.02             # stereo of identical channels = mono (up to 1-LSB quantisation)
    assert np.abs((s[0] - s[1]).numpy()).mean() < 0.05                  # 48 kHz resampled ≈ native 16 kHz
    assert np.abs((s[0] - waves_to_specs([np.zeros(48000, np.float32)])[0]).numpy()).mean() > 0.1   # ... while silence is far away


def test_silent_or_short_clip_gives_finite_features():
    s = waves_to_specs([np.zeros(100, np.float32), np.ones(16000 * 5, np.float32) * 0.1])
    assert s.shape == (2, 1, 64, 156) and np.isfinite(s.numpy()).all() and float(s[0].max()) == -1.0


def test_cremad_end_to_end(tmp_path):
    root = tmp_path/'crema'/'AudioWAV'; root.mkdir(parents=True)
    sr = 16000; t = np.arange(sr * 2) / sr
    for a in (1001, 1002, 1003, 1004):
        for i, e in enumerate(('ANG', 'HAP', 'SAD', 'NEU')):
            sf.write(root/f'{a}_DFA_{e}_XX.wav', 0.3 * np.sin(2 * np.pi * (150 + 50 * i) * t), sr)
    m = run_experiment(dataset='cremad', data_dir=tmp_path/'crema', epochs=1, device='cpu', progress=False, out_dir=tmp_path/'run', cache_dir=False)
    split = json.loads((tmp_path/'run'/'split.json').read_text())
    assert split['gender_balanced'] is False and m['n_test'] == 4
