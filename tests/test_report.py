"`img2audio report` end to end on tiny runs this test makes: a sweep root, and a gathered runs.json with labels."
import json, subprocess, sys
from pathlib import Path

import pandas as pd
import pytest

from img2audio.experiment import main
from img2audio.results import benchmark_table, read_records
from img2audio.sweep import sweep

TINY = dict(seeds=[0], folds=[0, 1], executor='debug', progress=False, n_actors=8)


@pytest.fixture(scope='module')
def sweeps(tmp_path_factory):
    "Two tiny sweeps of Base on the synthetic corpus, the same seeds and folds: 1 and 3 epochs."
    d = tmp_path_factory.mktemp('report')
    for name, epochs in (('short', 1), ('long', 3)):
        res = sweep('base', d/name, epochs=epochs, **TINY)
        assert list(res.status) == ['done', 'done'], res
    return d


def test_report_of_a_sweep_root(sweeps, capsys):
    assert main(['report', str(sweeps/'short')]) == 0
    out = capsys.readouterr().out
    print(out)
    assert out.splitlines()[0].startswith('| dataset | method | accuracy % | UAR % | macro-F1 % | runs |')
    assert '| synthetic | base |' in out and '| 2 |' in out
    for f in ('benchmark.md', 'benchmark.html', 'gains.png'): assert (sweeps/'short'/f).stat().st_size > 0, f
    runs = read_records(sweeps/'short')                    # every parameter of the run and the code's commit
    assert (runs['opt.epochs'] == 1).all() and (runs['opt.n_actors'] == 8).all() and 'commit' in runs


def test_report_of_labelled_records(sweeps, tmp_path, capsys):
    "A gathered runs.json with a label column: the 3-epoch runs as their own row, paired with Base on seed and fold."
    short = json.loads((sweeps/'short'/'runs.json').read_text())
    long = [{**r, 'label': 'Base, 3 epochs'} for r in json.loads((sweeps/'long'/'runs.json').read_text())]
    f = tmp_path/'runs.json'
    f.write_text(json.dumps(short + long))
    r = subprocess.run([sys.executable, '-c', 'import sys; from img2audio.experiment import main; sys.exit(main())',
                        'report', str(f), '--out', str(tmp_path/'out')], capture_output=True, text=True)
    print(r.stdout)
    assert r.returncode == 0, r.stderr
    assert sorted(p.name for p in (tmp_path/'out').iterdir()) == ['benchmark.html', 'benchmark.md', 'gains.png']
    t = benchmark_table(pd.DataFrame(short + long))
    assert list(t.label) == ['base', 'Base, 3 epochs'] and t.pairs.tolist()[1] == 2
    acc = {(x['label'] if 'label' in x else 'base', x['fold']): 100 * x['accuracy'] for x in short + long}
    gain = sum(acc[('Base, 3 epochs', k)] - acc[('base', k)] for k in (0, 1)) / 2
    assert t.gain[1] == pytest.approx(gain)
    row = next(l for l in r.stdout.splitlines() if l.startswith('| synthetic | Base, 3 epochs |'))
    assert f'{gain:+.2f}'.replace('-', '−') in row and '/2 |' in row, row
    html = (tmp_path/'out'/'benchmark.html').read_text()
    assert '<table' in html and 'Base, 3 epochs' in html and 'gains.png' in html


def test_report_bad_input(tmp_path, capsys):
    assert main(['report', str(tmp_path/'absent')]) == 2
    assert 'no such folder or file' in capsys.readouterr().err
    (tmp_path/'empty').mkdir()
    assert main(['report', str(tmp_path/'empty')]) == 2
    assert 'no finished runs' in capsys.readouterr().err
