"Tests of img2audio.corpora on tiny files made in tmp_path (and on the real corpora in $IMG2AUDIO_DATA when set)."
import logging, re
from pathlib import Path
import cv2, numpy as np, pandas as pd, pytest, soundfile as sf
from PIL import Image
from img2audio.core import EMOTIONS, AVCorpus, FacePool
from img2audio.corpora import *

DATA = research_data()
whole = lambda g: (0, 0, g.shape[1], g.shape[0])  # stand-in detector: "the face is the whole frame"

def tone(f0=220, sec=0.25, sr=16000, amp=0.2, ch=1):
    x = (amp*np.sin(2*np.pi*f0*np.arange(int(sec*sr))/sr)).astype(np.float32)
    return x if ch == 1 else np.stack([x]*ch, 1)

def wav(path, x=None, sr=16000):
    path = Path(path); path.parent.mkdir(parents=True, exist_ok=True)
    sf.write(path, tone(sr=sr) if x is None else x, sr); return path

def video(path, level=100, n=10, shape=(40, 48), fourcc='mp4v'):
    path = Path(path); path.parent.mkdir(parents=True, exist_ok=True)
    vw = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*fourcc), 25, shape[::-1])
    assert vw.isOpened()
    for _ in range(n): vw.write(np.full(shape + (3,), level, np.uint8))
    vw.release(); return path

def image(path, shape=(48, 48), value=None, seed=0):
    path = Path(path); path.parent.mkdir(parents=True, exist_ok=True)
    a = np.full(shape, value, np.uint8) if value is not None else np.random.default_rng(seed).integers(0, 255, shape, dtype=np.uint8)
    Image.fromarray(a).save(path); return path

# ---------------------------------------------------------------- emotion map
@pytest.mark.parametrize('names,canon', [
    ('anger angry ANG AN ang', 'angry'), ('fear fearful FEA FE', 'fearful'), ('sadness sad SAD SA', 'sad'),
    ('surprise surprised SU', 'surprised'), ('happy happiness HAP HA joy', 'happy'), ('disgust DIS DI', 'disgust'),
    ('neutral NEU NE', 'neutral'), ('calm', 'calm'), ('contempt', 'contempt')])
def test_aliases(names, canon):
    for n in names.split(): assert to_canonical(n) == canon

def test_alias_table_and_unknown():
    assert set(EMOTION_ALIASES.values()) == set(EMOTIONS)
    assert all(k == k.lower() for k in EMOTION_ALIASES)
    with pytest.raises(ValueError, match="unknown emotion name 'boredom'"): to_canonical('boredom')
    for table in (RAVDESS_EMOTIONS, FER2013_EMOTIONS, CKPLUS_EMOTIONS, CREMAD_EMOTIONS, JAFFE_EMOTIONS):
        assert set(table.values()) <= set(EMOTIONS)
    assert CKPLUS_EMOTIONS[2] == 'contempt' and FER2013_EMOTIONS[0] == 'angry' and RAVDESS_EMOTIONS[8] == 'surprised'

def test_shared_classes_orders_and_accepts_containers():
    ck48 = ['anger', 'contempt', 'disgust', 'fear', 'happy', 'sadness', 'surprise']
    assert shared_classes(RAVDESS_EMOTIONS.values(), ck48) == ['happy', 'sad', 'angry', 'fearful', 'disgust', 'surprised']
    pool = FacePool(np.zeros((3, 64, 64), np.uint8), ['surprised', 'neutral', 'contempt'], ['']*3, ['x']*3)
    meta = pd.DataFrame(dict(clip_id=['a', 'b'], actor=[1, 2], gender=['M', 'F'], emotion=['surprised', 'neutral'],
                             intensity=['normal']*2, statement=[1, 1], repetition=[1, 1], source=['a', 'b']))
    c = AVCorpus('t', meta, [np.zeros(4, np.float32)]*2, 16000)
    assert shared_classes(c, pool) == ['neutral', 'surprised']
    assert shared_classes(['SU', 'ANG'], 'surprise') == ['surprised']

# ---------------------------------------------------------------- audio
def test_read_audio_wav_flac_stereo_resample(tmp_path):
    w = read_audio(wav(tmp_path/'a.wav', tone(sr=48000, ch=2), 48000), sr=16000)
    assert w.dtype == np.float32 and w.ndim == 1 and len(w) == 4000
    assert abs(np.abs(w).max() - 0.2) < 0.01
    f = read_audio(wav(tmp_path/'a.flac', tone(sr=22050), 22050), sr=8000)
    assert len(f) == 2000

@pytest.mark.parametrize('kind,msg', [('silent', 'silent audio'), ('empty', 'cannot decode audio'), ('junk', 'cannot decode audio'),
                                      ('truncated', 'truncated wav'), ('badflac', 'cannot decode audio'), ('nan', 'NaN')])
def test_read_audio_bad(tmp_path, kind, msg):
    p = tmp_path/'x.wav'
    if kind == 'silent': wav(p, np.full(1000, 1e-5, np.float32))
    elif kind == 'empty': p.write_bytes(b'')
    elif kind == 'junk': p.write_bytes(b'RIFF....not a wave file at all')
    elif kind == 'truncated': b = wav(p, tone(sec=0.5)).read_bytes(); p.write_bytes(b[:len(b)//2])
    elif kind == 'badflac': b = wav(tmp_path/'x.flac', tone(sec=0.5)).read_bytes(); p = tmp_path/'x.flac'; p.write_bytes(b[:len(b)//3])
    elif kind == 'nan': sf.write(p, np.array([0.1, np.nan, 0.2]*100, np.float32), 16000, subtype='FLOAT')
    with pytest.raises(ValueError, match=re.escape(str(p)) + '.*' + msg): read_audio(p)

# ---------------------------------------------------------------- RAVDESS names
def test_parse_ravdess_fields():
    r = parse_ravdess_name('Actor_07/03-01-06-02-02-01-07.flac')
    assert r == dict(clip_id='03-01-06-02-02-01-07', modality=3, vocal_channel='speech', emotion='fearful', intensity='strong',
                     statement=2, repetition=1, actor=7, gender='M')
    assert parse_ravdess_name('03-02-03-01-01-02-24.wav')['vocal_channel'] == 'song'
    assert parse_ravdess_name('03-02-03-01-01-02-24.wav')['gender'] == 'F'
    assert parse_ravdess_name('02-01-08-01-01-01-01.mp4', video=True)['emotion'] == 'surprised'
    for ee in range(1, 9): assert parse_ravdess_name(f'03-01-{ee:02d}-01-01-01-01.wav')['emotion'] == EMOTIONS[ee-1]

@pytest.mark.parametrize('name,msg', [
    ('03-01-00-01-01-01-01.wav', 'emotion code 00'), ('03-01-09-01-01-01-01.wav', 'emotion code 09'),
    ('03-01-05-03-01-01-01.wav', 'intensity code 03'), ('03-01-01-02-01-01-01.wav', 'neutral has no strong'),
    ('03-01-05-01-00-01-01.wav', 'statement code 00'), ('03-01-05-01-01-03-01.wav', 'repetition code 03'),
    ('03-01-05-01-01-01-00.wav', 'actor code 00'), ('03-01-05-01-01-01-25.wav', 'actor code 25'),
    ('03-00-05-01-01-01-01.wav', 'vocal channel code 00'), ('04-01-05-01-01-01-01.wav', 'modality code 04'),
    ('01-01-05-01-01-01-01.wav', 'modality code 01'), ('03-01-5-01-01-01-01.wav', 'not a RAVDESS name'),
    ('speech.wav', 'not a RAVDESS name'), ('Actor_03/03-01-05-01-01-01-04.wav', 'lies in folder Actor_03')])
def test_parse_ravdess_bad(name, msg):
    with pytest.raises(ValueError, match=msg): parse_ravdess_name(name)

def test_parse_ravdess_video_modality():
    with pytest.raises(ValueError, match='modality code 03'): parse_ravdess_name('03-01-05-01-01-01-01.mp4', video=True)

# ---------------------------------------------------------------- RAVDESS loader
def ravdess_tree(root):
    wav(root/'Actor_01/03-01-05-02-01-01-01.wav', tone(sr=48000, ch=2), 48000)   # angry strong, stereo 48 kHz
    wav(root/'Actor_01/03-01-03-01-02-02-01.flac', tone(330))                      # happy, flac
    wav(root/'Actor_02/03-01-04-01-01-01-02.wav', tone(250))                       # sad, actor 2 (F)
    wav(root/'Actor_02/03-02-04-01-01-01-02.wav', tone(250))                       # song
    return root

def test_load_ravdess_basic(tmp_path):
    c = load_ravdess(ravdess_tree(tmp_path/'rav'))
    assert isinstance(c, AVCorpus) and len(c) == 3 and c.sr == 16000 and c.faces is None and c.skipped == []
    assert list(c.meta.clip_id) == ['03-01-03-01-02-02-01', '03-01-05-02-01-01-01', '03-01-04-01-01-01-02']
    assert list(c.meta.emotion) == ['happy', 'angry', 'sad'] and list(c.meta.intensity) == ['normal', 'strong', 'normal']
    assert list(c.meta.gender) == ['M', 'M', 'F'] and list(c.meta.actor) == [1, 1, 2]
    assert list(c.meta.statement) == [2, 1, 1] and list(c.meta.repetition) == [2, 1, 1]
    assert c.meta.source[0] == 'Actor_01/03-01-03-01-02-02-01.flac'
    assert [len(w) for w in c.waves] == [4000, 4000, 4000] and all(w.dtype == np.float32 for w in c.waves)
    assert len(load_ravdess(tmp_path/'rav', sr=8000).waves[0]) == 2000
    song = load_ravdess(tmp_path/'rav', include_song=True)
    assert len(song) == 4 and sorted(song.meta.vocal_channel) == ['song', 'speech', 'speech', 'speech']
    assert list(load_ravdess(tmp_path/'rav', actors=[2]).meta.actor) == [2]
    assert len(load_ravdess(tmp_path/'rav', actors=1)) == 2

def test_load_ravdess_flat_folder_and_subset(tmp_path):
    wav(tmp_path/'03-01-07-01-01-01-13.wav'); wav(tmp_path/'03-01-08-02-01-01-14.flac')
    c = load_ravdess(tmp_path)
    assert list(c.meta.emotion) == ['disgust', 'surprised'] and list(c.meta.gender) == ['M', 'F']

def test_load_ravdess_bad_files_are_skipped_and_logged(tmp_path, caplog):
    root = ravdess_tree(tmp_path/'rav')
    bad = {
        'Actor_02/03-01-06-01-01-01-02.wav': ('silent', 'silent audio'),
        'Actor_02/03-01-07-01-01-01-02.wav': ('junk', 'cannot decode audio'),
        'Actor_02/03-01-08-01-01-01-02.wav': ('truncated', 'truncated wav'),
        'Actor_02/03-01-09-01-01-01-02.wav': ('ok', 'emotion code 09'),
        'Actor_02/hello.wav': ('ok', 'not a RAVDESS name'),
        'Actor_02/03-01-04-01-01-01-02.flac': ('ok', None),   # same clip as the .wav: the first in name order (.flac) wins
        'Actor_02/03-01-05-01-01-01-03.wav': ('ok', 'lies in folder Actor_02'),
    }
    for name, (kind, _) in bad.items():
        p = root/name
        if kind == 'silent': wav(p, np.zeros(800, np.float32))
        elif kind == 'junk': p.write_bytes(b'garbage')
        elif kind == 'truncated': b = wav(p, tone(sec=0.5)).read_bytes(); p.write_bytes(b[:1000])
        else: wav(p)
    (root/'Actor_02/._03-01-04-01-01-01-02.wav').write_bytes(b'macOS resource fork')  # hidden: ignored
    (root/'README.txt').write_text('not audio')
    with caplog.at_level(logging.WARNING, logger='img2audio'): c = load_ravdess(root)
    assert len(c) == 3
    got = {Path(f).relative_to(root).as_posix(): r for f, r in c.skipped}
    bad['Actor_02/03-01-04-01-01-01-02.wav'] = bad.pop('Actor_02/03-01-04-01-01-01-02.flac')[:1] + ('duplicate of',)
    assert set(got) == set(bad)
    for name, (_, msg) in bad.items(): assert msg in got[name] and not got[name].startswith(str(root)), (name, got[name])
    assert any('skipped 7 file' in r.getMessage() and r.name == 'img2audio' for r in caplog.records)

def test_load_ravdess_unusable_folders(tmp_path):
    with pytest.raises(FileNotFoundError, match=r'nowhere does not exist; expected Actor_XX/03-01-EE-II-SS-RR-AA\.wav\|flac'):
        load_ravdess(tmp_path/'nowhere')
    (tmp_path/'empty').mkdir()
    with pytest.raises(FileNotFoundError, match=r'empty holds no \.wav/\.flac files; expected Actor_XX/'): load_ravdess(tmp_path/'empty')
    wav(tmp_path/'crema/AudioWAV/1001_DFA_ANG_XX.wav')
    with pytest.raises(ValueError, match=r'none of the 1 audio files in .*crema is named like ravdess'): load_ravdess(tmp_path/'crema')
    wav(tmp_path/'dead/Actor_01/03-01-05-01-01-01-01.wav', np.zeros(100, np.float32))
    with pytest.raises(ValueError, match=r'none of the 1 clips in .*dead could be loaded.*silent'): load_ravdess(tmp_path/'dead')
    with pytest.raises(ValueError, match='no clip .* left after filtering'): load_ravdess(tmp_path/'dead', actors=[3])
    f = wav(tmp_path/'03-01-05-01-01-01-01.wav')
    with pytest.raises(NotADirectoryError, match='is not a folder'): load_ravdess(f)
    with pytest.raises(ValueError, match='no data_dir given'): load_ravdess(None)

@pytest.mark.parametrize('kw,msg', [(dict(faces='yes'), "faces='yes'"), (dict(sr=0), 'sr=0'), (dict(actors=[25]), 'actors contains 25'),
                                    (dict(actors=['x']), "actors='x'"), (dict(n_jobs=0), 'n_jobs=0')])
def test_load_ravdess_bad_parameters(tmp_path, kw, msg):
    with pytest.raises(ValueError, match=msg): load_ravdess(ravdess_tree(tmp_path/'rav'), **kw)

def test_ravdess_pairing_with_videos(tmp_path):
    root = ravdess_tree(tmp_path/'rav')
    video(root/'Actor_01/01-01-05-02-01-01-01.mp4', level=40)    # AV video of the angry clip
    video(root/'Actor_01/02-01-03-01-02-02-01.mp4', level=200)   # video-only of the happy clip
    video(root/'Actor_02/01-01-04-01-01-02-02.mp4', level=120)   # sad, but repetition 02: no audio of it
    c = load_ravdess(root, face_detector=whole)
    assert list(c.meta.emotion) == ['happy', 'angry'] and c.faces.shape == (2, 64, 64) and c.faces.dtype == np.uint8
    assert abs(c.faces[0].mean() - 200) < 15 and abs(c.faces[1].mean() - 40) < 15   # each clip got its own video's face
    assert [Path(f).name for f, _ in c.skipped] == ['03-01-04-01-01-01-02.wav']
    assert 'no video with the same labels' in c.skipped[0][1]
    assert len(load_ravdess(root, faces='none')) == 3 and load_ravdess(root, faces='none').faces is None

def test_ravdess_faces_require_and_no_face(tmp_path, caplog):
    root = ravdess_tree(tmp_path/'rav')
    with pytest.raises(FileNotFoundError, match="faces='require'.*no .mp4 video"): load_ravdess(root, faces='require')
    video(root/'Actor_01/01-01-05-02-01-01-01.mp4')
    (root/'Actor_01/01-01-03-01-02-02-01.mp4').write_bytes(b'not a video')
    with caplog.at_level(logging.WARNING, logger='img2audio'): c = load_ravdess(root, faces='require', face_detector=whole)
    assert len(c) == 1
    reasons = dict((Path(f).name, r) for f, r in c.skipped)
    assert 'cannot open video' in reasons['03-01-03-01-02-02-01.flac']
    # the default Haar detector finds no face in a flat grey clip: a clear reason, and nothing loads
    with pytest.raises(ValueError, match='no face detected in .* frames around the middle'): load_ravdess(root, actors=[1])

def test_video_face(tmp_path):
    v = video(tmp_path/'v.mp4', n=20)
    assert video_face(v, whole).shape == (64, 64)
    calls = []
    def third_time_lucky(g):
        calls.append(g.shape); return None if len(calls) < 3 else (2, 2, 20, 20)
    assert video_face(v, third_time_lucky).shape == (64, 64)
    assert len(calls) == 3 and calls[0] == (40, 48)   # tried frames in turn until one had a face
    with pytest.raises(ValueError, match='no face detected in 5 frames'): video_face(v)
    (tmp_path/'e.mp4').write_bytes(b'')
    with pytest.raises(ValueError, match='cannot open video'): video_face(tmp_path/'e.mp4')

def test_crop_face_and_helpers():
    g = np.zeros((100, 80), np.uint8); g[10:50, 20:60] = 255
    assert crop_face(g, lambda x: (20, 10, 40, 40)).min() == 255
    assert crop_face(g, lambda x: None) is None
    assert square_resize(np.zeros((30, 90), np.uint8), 16).shape == (16, 16)
    assert detect_face(np.zeros((240, 320), np.uint8)) is None

# ---------------------------------------------------------------- CREMA-D
def test_parse_cremad():
    r = parse_cremad_name('AudioWAV/1091_WSI_FEA_HI.wav')
    assert (r['actor'], r['statement'], r['emotion'], r['intensity'], r['level'], r['gender']) == (1091, 'WSI', 'fearful', 'strong', 'HI', None)
    for lvl, inten in CREMAD_LEVELS.items(): assert parse_cremad_name(f'1001_DFA_NEU_{lvl}.wav')['intensity'] == inten
    for code, emo in [('ANG', 'angry'), ('DIS', 'disgust'), ('HAP', 'happy'), ('NEU', 'neutral'), ('SAD', 'sad')]:
        assert parse_cremad_name(f'1001_DFA_{code}_XX.wav')['emotion'] == emo
    for name, msg in [('1000_DFA_ANG_XX.wav', 'actor 1000'), ('1092_DFA_ANG_XX.wav', 'actor 1092'), ('1001_ABC_ANG_XX.wav', "sentence 'ABC'"),
                      ('1001_DFA_SUR_XX.wav', "emotion 'SUR'"), ('1001_DFA_ANG_QQ.wav', "level 'QQ'"), ('1001-DFA-ANG-XX.wav', 'not a CREMA-D name')]:
        with pytest.raises(ValueError, match=msg): parse_cremad_name(name)

def cremad_tree(root, demographics=True):
    for i, n in enumerate(['1001_DFA_ANG_XX', '1002_IEO_HAP_HI', '1002_TIE_SAD_LO', '1003_ITS_NEU_XX']):
        wav(root/f'AudioWAV/{n}.wav', tone(200 + 40*i))
    (root/'AudioWAV/1076_MTI_SAD_XX.wav').write_bytes(b'')
    if demographics:
        pd.DataFrame(dict(ActorID=[1001, 1002], Age=[51, 21], Sex=['Male', 'Female'], Race=['x', 'y'])).to_csv(root/'VideoDemographics.csv', index=False)
    return root

def test_load_cremad(tmp_path, caplog):
    root = cremad_tree(tmp_path/'crema')
    with caplog.at_level(logging.WARNING, logger='img2audio'): c = load_cremad(root)
    assert len(c) == 4 and c.faces is None
    assert list(c.meta.gender) == ['M', 'F', 'F', None] and list(c.meta.emotion) == ['angry', 'happy', 'sad', 'neutral']
    assert 'actors [1003] are not in' in c.meta.attrs['notes'][0]
    assert [Path(f).name for f, _ in c.skipped] == ['1076_MTI_SAD_XX.wav'] and 'cannot decode audio' in c.skipped[0][1]
    assert list(load_cremad(root/'AudioWAV').meta.gender) == ['M', 'F', 'F', None]   # csv found in the parent
    assert list(load_cremad(root, actors=[1002]).meta.actor) == [1002, 1002]
    with pytest.raises(ValueError, match='actors=999 is too small'): load_cremad(root, actors=[999])

def test_load_cremad_without_demographics(tmp_path, caplog):
    root = cremad_tree(tmp_path/'crema', demographics=False)
    with caplog.at_level(logging.WARNING, logger='img2audio'): c = load_cremad(root)
    assert list(c.meta.gender) == [None]*4
    assert 'cannot be gender-balanced' in c.meta.attrs['notes'][0]
    assert any('gender-balanced' in r.getMessage() for r in caplog.records)

def test_cremad_bad_demographics_and_wrong_corpus(tmp_path):
    root = cremad_tree(tmp_path/'crema', demographics=False)
    pd.DataFrame(dict(Actor=[1001], Gender=['Male'])).to_csv(root/'VideoDemographics.csv', index=False)
    with pytest.raises(ValueError, match='expected columns ActorID and Sex'): load_cremad(root)
    ravdess_tree(tmp_path/'rav')
    with pytest.raises(ValueError, match=r'named like cremad.*expected AudioWAV/AAAA_SSS_EEE_LL\.wav'): load_cremad(tmp_path/'rav')

def test_cremad_pairing_flv(tmp_path):
    root = cremad_tree(tmp_path/'crema')
    video(root/'VideoFlash/1002_IEO_HAP_HI.flv', level=180, fourcc='FLV1')
    video(root/'VideoFlash/1001_DFA_ANG_XX.flv', level=60, fourcc='FLV1')
    c = load_cremad(root, face_detector=whole)
    assert list(c.meta.clip_id) == ['1001_DFA_ANG_XX', '1002_IEO_HAP_HI'] and c.faces.shape == (2, 64, 64)
    assert abs(c.faces[0].mean() - 60) < 15 and abs(c.faces[1].mean() - 180) < 15

# ---------------------------------------------------------------- face sets
def test_folder_per_class(tmp_path, caplog):
    root = tmp_path/'ckplus48'
    image(root/'anger/S010_004_00000017.png'); image(root/'anger/S011_001_00000002.png', seed=1)
    image(root/'sadness/S010_002_00000009.png', (60, 40)); image(root/'happy/other.jpg')
    (root/'happy/broken.png').write_bytes(b'\x89PNG\r\n broken'); (root/'happy/notes.txt').write_text('x')
    image(root/'unknown_class/S001_001_00000001.png'); (root/'.hidden').mkdir()
    with caplog.at_level(logging.WARNING, logger='img2audio'): p = load_face_pool(root)
    assert face_set_format(root) == 'folders'
    assert len(p) == 4 and p.images.shape == (4, 64, 64) and p.images.dtype == np.uint8
    assert p.emotions == ['angry', 'angry', 'happy', 'sad']
    assert p.subjects == ['ckplus48:S010', 'ckplus48:S011', '', 'ckplus48:S010']
    assert p.sources[0] == 'ckplus48:anger/S010_004_00000017.png'
    reasons = {Path(f).name: r for f, r in p.skipped}
    assert 'unreadable image' in reasons['broken.png'] and 'not an image' in reasons['notes.txt']
    assert 'not an emotion name' in reasons['unknown_class']
    assert any('skipped 3 file' in r.getMessage() for r in caplog.records)

def test_resize_keeps_content(tmp_path):
    image(tmp_path/'set/happy/a.png', (48, 48), value=77)
    p = load_face_pool(tmp_path/'set')
    assert (p.images[0] == 77).all()

def test_fer_csv(tmp_path):
    px = ' '.join(['100']*2304)
    df = pd.DataFrame(dict(emotion=[0, 1, 2, 3, 4, 5, 6, 7, 'x', 3, 3],
                           pixels=[px]*9 + ['1 2 3', ' '.join(['300']*2304)],
                           Usage=['Training']*5 + ['PublicTest', 'PrivateTest'] + ['Training']*4))
    df.to_csv(tmp_path/'fer2013.csv', index=False)
    p = load_face_pool(tmp_path/'fer2013.csv')
    assert face_set_format(tmp_path/'fer2013.csv') == 'fer_csv'
    assert p.emotions == ['angry', 'disgust', 'fearful', 'happy', 'sad', 'surprised', 'neutral']
    assert (p.images == 100).all() and p.subjects == ['']*7 and p.sources[0] == 'fer2013:row 2'
    assert len(p.skipped) == 4 and any('not a FER code' in r for _, r in p.skipped) and any('square 8-bit' in r for _, r in p.skipped)
    assert load_face_pool(tmp_path/'fer2013.csv', usage='Training').emotions == ['angry', 'disgust', 'fearful', 'happy', 'sad']
    assert len(load_face_pool(tmp_path/'fer2013.csv', usage=['PublicTest', 'PrivateTest'])) == 2
    pd.DataFrame(dict(label=[0], image=[px])).to_csv(tmp_path/'other.csv', index=False)
    with pytest.raises(ValueError, match='expected columns emotion,pixels'): load_face_pool(tmp_path/'other.csv')
    with pytest.raises(ValueError, match='pass the CSV itself'): load_face_pool(tmp_path)

def test_ckplus_native(tmp_path):
    root = tmp_path/'CK+'
    for f in range(1, 7): image(root/f'cohn-kanade-images/S005/001/S005_001_{f:08d}.png', (49, 64), seed=f)
    for f in range(1, 4): image(root/f'cohn-kanade-images/S010/002/S010_002_{f:08d}.png', (49, 64), seed=f)
    for f in range(1, 4): image(root/f'cohn-kanade-images/S011/001/S011_001_{f:08d}.png', seed=f)   # unlabelled: ignored
    (root/'Emotion/S005/001').mkdir(parents=True); (root/'Emotion/S005/001/S005_001_00000006_emotion.txt').write_text('   2.0000000e+00\n')
    (root/'Emotion/S010/002').mkdir(parents=True); (root/'Emotion/S010/002/S010_002_00000003_emotion.txt').write_text('7.0\n')
    (root/'Emotion/S012/001').mkdir(parents=True); (root/'Emotion/S012/001/S012_001_00000003_emotion.txt').write_text('9\n')
    p = load_face_pool(root, face_detector=whole)
    assert face_set_format(root) == 'ckplus'
    assert p.emotions == ['contempt']*3 + ['neutral'] + ['surprised']*3     # 3-frame S010 sequence: no separate neutral
    assert [s.split('/')[-1] for s in p.sources[:4]] == ['S005_001_00000004.png', 'S005_001_00000005.png', 'S005_001_00000006.png', 'S005_001_00000001.png']
    assert p.subjects[0] == 'CK+:S005' and p.subjects[-1] == 'CK+:S010'
    assert len(p.skipped) == 1 and 'code 9' in p.skipped[0][1]
    q = load_face_pool(root, face_detector=whole, n_peak=1, neutral_first=False)
    assert q.emotions == ['contempt', 'surprised']
    assert len(load_face_pool(root/'cohn-kanade-images', face_detector=whole)) == 7
    with pytest.raises(ValueError, match='no face detected'): load_face_pool(root)   # noise frames hold no face

def test_jaffe(tmp_path):
    for n in ['KA.AN1.39.tiff', 'KA.DI1.42.tiff', 'KL.FE2.57.tiff', 'KM.HA3.6.tiff', 'NA.NE1.202.tiff', 'TM.SA1.190.tiff', 'YM.SU2.59.tif']:
        image(tmp_path/'jaffe'/n, (64, 64), value=90)
    image(tmp_path/'jaffe/KA.XX1.1.tiff', (64, 64))
    p = load_face_pool(tmp_path/'jaffe', face_detector=whole)
    assert face_set_format(tmp_path/'jaffe') == 'jaffe'
    assert p.emotions == ['angry', 'disgust', 'fearful', 'happy', 'neutral', 'sad', 'surprised']
    assert p.subjects[:3] == ['jaffe:KA', 'jaffe:KA', 'jaffe:KL'] and "'XX'" in p.skipped[0][1]
    assert len(load_face_pool(tmp_path/'jaffe', detect=False)) == 7
    with pytest.raises(ValueError, match='gave no usable image.*no face detected'): load_face_pool(tmp_path/'jaffe')

def test_detect_option_on_cropped_sets(tmp_path):
    image(tmp_path/'set/happy/a.png', value=10)
    with pytest.raises(ValueError, match='no face detected'): load_face_pool(tmp_path/'set', detect=True)
    assert len(load_face_pool(tmp_path/'set', detect=True, face_detector=whole)) == 1

def test_face_set_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match='does not exist; expected a folder per emotion class'): load_face_pool(tmp_path/'nope')
    (tmp_path/'empty').mkdir()
    with pytest.raises(FileNotFoundError, match='is empty'): load_face_pool(tmp_path/'empty')
    image(tmp_path/'fer2013/train/happy/a.jpg')
    with pytest.raises(ValueError, match=r'has no emotion folders, but .*train has: pass that folder'): load_face_pool(tmp_path/'fer2013')
    (tmp_path/'misc').mkdir(); (tmp_path/'misc/readme.md').write_text('x')
    with pytest.raises(ValueError, match='layout not recognised'): load_face_pool(tmp_path/'misc')
    (tmp_path/'only_bad/happy').mkdir(parents=True); (tmp_path/'only_bad/happy/x.png').write_bytes(b'no')
    with pytest.raises(ValueError, match='gave no usable image.*unreadable image'): load_face_pool(tmp_path/'only_bad')
    with pytest.raises(ValueError, match='is a file but not a FER2013'): load_face_pool(tmp_path/'misc/readme.md')
    with pytest.raises(ValueError, match='no face set given'): load_face_pool([])

def test_merge_pools_and_load_faces(tmp_path):
    image(tmp_path/'ckplus48/anger/S010_001_00000001.png'); image(tmp_path/'fer2013/train/angry/a.jpg'); image(tmp_path/'fer2013/train/neutral/b.jpg')
    image(tmp_path/'other/train/happy/S010_1.png')
    p = load_faces(f"{tmp_path/'ckplus48'}, {tmp_path/'fer2013/train'},{tmp_path/'other/train'}")
    assert isinstance(p, FacePool) and len(p) == 4
    assert p.subjects == ['ckplus48:S010', '', '', 'other_train:S010']     # same S010 in two sets stays two subjects
    assert [s.split(':')[0] for s in p.sources] == ['ckplus48', 'fer2013_train', 'fer2013_train', 'other_train']
    assert p.classes == ['neutral', 'happy', 'angry']
    assert len(load_faces([tmp_path/'ckplus48', tmp_path/'ckplus48'])) == 2   # same set twice: distinct names
    assert load_faces([tmp_path/'ckplus48', tmp_path/'ckplus48']).sources[1].startswith('ckplus482:')

# ---------------------------------------------------------------- dispatcher
def test_load_corpus(tmp_path):
    ravdess_tree(tmp_path/'rav'); cremad_tree(tmp_path/'crema')
    assert load_corpus('ravdess', tmp_path/'rav').name == 'ravdess'
    assert len(load_corpus('RAVDESS', tmp_path/'rav', include_song=True, faces='none')) == 4
    assert load_corpus('cremad', tmp_path/'crema').name == 'cremad'
    with pytest.raises(ValueError, match="dataset='iemocap' is not accepted"): load_corpus('iemocap', tmp_path)
    with pytest.raises(ValueError, match='needs data_dir'): load_corpus('cremad')
    assert set(CORPUS_LOADERS) >= {'ravdess', 'cremad'}

# ---------------------------------------------------------------- real data (skipped without $IMG2AUDIO_DATA)
needs_data = pytest.mark.skipif(DATA is None, reason='real corpora not present (set IMG2AUDIO_DATA to their folder)')

@needs_data
def test_real_ravdess():
    c = load_ravdess(DATA/'ravdess_speech', actors=[1, 2])
    assert len(c) == 120 and c.skipped == [] and c.faces is None
    assert c.meta.emotion.value_counts().to_dict() == {e: (8 if e == 'neutral' else 16) for e in EMOTIONS[:8]}
    assert list(c.meta.gender.unique()) == ['M', 'F']
    assert all(2.5*16000 < len(w) < 6*16000 for w in c.waves)

@needs_data
def test_real_face_sets():
    ck = load_face_pool(DATA/'ckplus48')
    assert len(ck) == 981 and len(set(ck.subjects)) == 118
    assert ck.counts() == {'happy': 207, 'sad': 84, 'angry': 135, 'fearful': 75, 'disgust': 177, 'surprised': 249, 'contempt': 54}
    assert shared_classes(RAVDESS_EMOTIONS.values(), ck) == ['happy', 'sad', 'angry', 'fearful', 'disgust', 'surprised']
    fer = load_face_pool(DATA/'fer2013'/'train')
    assert len(fer) == 28709 and fer.counts()['disgust'] == 436
    assert shared_classes(RAVDESS_EMOTIONS.values(), fer) == list(EMOTIONS[:1]) + list(EMOTIONS[2:8])

@needs_data
def test_real_haar_finds_faces():
    imgs = [read_gray(f) for f in sorted((DATA/'ckplus48'/'happy').glob('*.png'))[:30]]
    assert sum(detect_face(g) is not None for g in imgs) >= 24
