"The reference methods from every door: FixMatch, distillation and the upper bound; their bad inputs."
import json
from pathlib import Path
import pytest
from img2audio.experiment import run_experiment, main
from test_pipeline import make_ravdess
from test_interface import _write_aus

TINY = dict(epochs=1, device='cpu', progress=False)


def test_distill_without_paired_faces_stops_before_its_folder(tmp_path, capsys):
    rav = make_ravdess(tmp_path/'rav')
    with pytest.raises(ValueError, match="distill needs faces paired with the audio clips.*au_dir"):
        run_experiment('distill', dataset='ravdess', data_dir=rav, out_dir=tmp_path/'kd', **TINY)
    assert not (tmp_path/'kd').exists()
    code = main(['run', '--method', 'distill', '--dataset', 'ravdess', '--data-dir', str(rav),
                 '--out-dir', str(tmp_path/'kd2')])
    assert code == 2 and 'distill needs faces paired' in capsys.readouterr().err
    assert not (tmp_path/'kd2').exists()


@pytest.mark.parametrize('args, words', [
    (['--method', 'fixmatch', '--tau', '0'], 'tau=0 is too small; it must be > 0'),
    (['--method', 'fixmatch', '--tau', '1.2'], 'tau=1.2 is too large; it must be ≤ 1'),
    (['--method', 'fixmatch', '--mu', '0'], 'mu=0 is too small; it must be ≥ 1'),
    (['--method', 'distill', '--temperature', '0'], 'temperature=0 is too small; it must be > 0'),
    (['--method', 'distill', '--temperature', '-1'], 'temperature=-1 is too small'),
    (['--method', 'fixmatch', '--tua', '0.9'], "did you mean 'tau'?"),
])
def test_bad_reference_options_are_refused_by_name(tmp_path, capsys, args, words):
    assert main(['run', *args, '--out-dir', str(tmp_path/'r')]) == 2
    assert words in capsys.readouterr().err
    assert not (tmp_path/'r').exists()


def test_distill_teacher_reads_the_action_units(tmp_path):
    "The tiny corpus's AU vectors encode the emotion: the teacher must label S4 and D_u faces right, from S1 alone."
    rav = make_ravdess(tmp_path/'rav', actors=(1, 2, 3, 4, 5, 6, 7, 8))
    _write_aus(tmp_path/'aus', rav)
    m = run_experiment('distill', dataset='ravdess', data_dir=rav, au_dir=tmp_path/'aus', out_dir=tmp_path/'kd',
                       cache_dir=tmp_path/'cache', steps=4, eval_every=2, **TINY)
    assert m['teacher_s4_acc'] == 1.0 and m['teacher_du_acc'] == 1.0 and m['teacher_face_side'] == 'aus'
    assert len(m['agree_teacher']) == 2
    cfg = json.loads((tmp_path/'kd'/'config.json').read_text())['params']
    assert cfg['teacher'] == 'auto' and cfg['temperature'] == 2.0


def test_upper_bound_trains_on_every_training_actor(tmp_path):
    m = run_experiment('upper_bound', dataset='synthetic', n_actors=8, out_dir=tmp_path/'up', cache_dir=False, **TINY)
    split = json.loads((tmp_path/'up'/'split.json').read_text())
    assert m['n_labelled'] == len(split['S1']) + len(split['S2']) + len(split['S3'])
