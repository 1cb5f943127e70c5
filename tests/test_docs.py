"""The documentation site, proven without Quarto (not installable on these machines).

What `nbdev_docs` does is (1) nbdev's pre-render step (`nbdev_proc_nbs`: write nbs/nbdev.yml and nbs/sidebar.yml, then run
nbdev's notebook processors into `_proc/`) and (2) `quarto render` of `_proc/`, which shows the outputs stored in the notebooks
(none: they are stored clean). The site is therefore built by `python .ci/build_docs.py` (run by .ci/run before pytest): it runs
step (1) for real, executes every notebook, applies nbdev's processors to the executed notebooks (so `_proc/` - Quarto's input -
holds the outputs) and renders every page to `_docs/*.html` with nbconvert. Here step (1) is checked on a copy of the project,
and the built site is checked page by page: every notebook built, executed without error, in the sidebar's reading order, the
figures each page must show present in its `_proc` notebook, and every page opened in headless Chromium with each figure decoded
(naturalWidth > 0) and no error output. Without a build (`_docs/build.json`) those tests skip; a stale build fails.
"""
import ast, base64, html, io, json, os, re, shutil, subprocess, sys, warnings
from pathlib import Path

import pytest, yaml

ROOT = Path(__file__).resolve().parents[1]
NBS = ROOT/'nbs'
# inline figures (PNG outputs) some pages must show; every other page is checked for errors and for figures that do not load
PAGES = {'01_synthetic.ipynb': 2, '06_metrics.ipynb': 2, '06b_runs.ipynb': 1, '08_translator.ipynb': 3, '09_density.ipynb': 2,
         '10_graph.ipynb': 1, '12_image2audio.ipynb': 1, '13_results.ipynb': 3, '14_table1.ipynb': 3, 'run_experiment.ipynb': 3,
         'index.ipynb': 1, '22_dacssgan_results.ipynb': 1, '31_ctgan_results.ipynb': 1}
# results pages: a table made from run records with a word it must hold (the paper's numbers beside ours, the gain over
# Base), and at least one figure; each is checked in _proc and again in Chromium (a <table> and a decoded <img>)
RESULTS_PAGES = {'index.ipynb': 'gain over base', '14_table1.ipynb': 'paper', '22_dacssgan_results.ipynb': 'paper',
                 '31_ctgan_results.ipynb': 'paper'}
SCREENSHOTS = ('index.ipynb', '14_table1.ipynb', '22_dacssgan_results.ipynb', '12_image2audio.ipynb')
_SHOW_DIRS = {'export', 'exports', 'exporti', 'exec_doc'}

def _notebooks(folder): return sorted(p.name for p in Path(folder).glob('*.ipynb') if not p.name.startswith(('_', '.')))

# ---------------------------------------------------------------------------------------------------------------- config
def test_quarto_config():
    "`_quarto.yml` lives at the top; nbs/_quarto.yml (what nbdev reads) is a relative symlink to it; nbdev's layout holds."
    link = NBS/'_quarto.yml'
    assert link.is_symlink() and os.readlink(link) == '../_quarto.yml', 'nbs/_quarto.yml must be a symlink to ../_quarto.yml'
    assert link.resolve() == (ROOT/'_quarto.yml').resolve()
    q = yaml.safe_load((ROOT/'_quarto.yml').read_text())
    assert q['project']['type'] == 'website'
    assert q['metadata-files'] == ['nbdev.yml', 'sidebar.yml']        # both written by nbdev_docs / nbdev_proc_nbs
    assert (NBS/q['format']['html']['css']).exists()
    import configparser
    cfg = configparser.ConfigParser(); cfg.read(ROOT/'settings.ini'); cfg = cfg['DEFAULT']
    assert cfg.get('custom_sidebar', 'False').lower() == 'false', 'sidebar.yml is generated only when custom_sidebar=False'
    assert (NBS/cfg['readme_nb']).exists() and cfg['doc_path'] == '_docs'


# ----------------------------------------------------------------------------------------------- pre-render, static lint
def test_no_cells_mixing_imports_and_code():
    """nbdev's docs pre-render (`exec_show_docs`) executes every exported cell and every cell containing an `import`,
    but none of the cells between them: a demo cell that imports AND computes runs without its inputs (NameError,
    `nbdev_docs` fails) or repeats heavy work. Keep imports of demo cells in their own cell (nbdev FAQ)."""
    from execnb.nbio import read_nb
    from nbdev.process import NBProcessor
    from nbdev.processors import _do_eval, _ast_contains, _show_docs
    bad = []
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        for name in _notebooks(NBS):
            nb = NBProcessor(nb=read_nb(NBS/name)).nb
            code = [c for c in nb.cells if c.cell_type == 'code']
            if not any(c.directives_.keys() & _SHOW_DIRS or (c.source and _show_docs(c.parsed_() or [])) for c in code):
                continue                                                # no docs on this page: nothing is executed
            for c in code:
                if c.directives_.keys() & _SHOW_DIRS or not _do_eval(c): continue
                if _ast_contains(c.parsed_(), (ast.Expr, ast.Assign)) and not _show_docs(c.parsed_()):
                    bad.append(f'{name} cell index {c.idx_} (0-based, markdown counted): {c.source.strip().splitlines()[0][:70]!r}')
    assert not bad, ('cells that mix imports with other code (nbdev_docs executes them out of context; move the import '
                     'into the notebook\'s import cell):\n  ' + '\n  '.join(bad))


# ------------------------------------------------------------------------------------------------- pre-render, for real
@pytest.fixture(scope='module')
def site(tmp_path_factory):
    "A copy of the project's docs inputs (settings.ini, _quarto.yml, nbs/ with its symlink) in a temporary folder."
    d = tmp_path_factory.mktemp('site')
    shutil.copy2(ROOT/'settings.ini', d); shutil.copy2(ROOT/'_quarto.yml', d)
    shutil.copytree(NBS, d/'nbs', symlinks=True,
                    ignore=shutil.ignore_patterns('_proc', '.*', 'nbdev.yml', 'sidebar.yml', 'sidebar.yml.bak'))
    assert (d/'nbs'/'_quarto.yml').is_symlink() and (d/'nbs'/'_quarto.yml').exists()
    if (ROOT/'results').exists(): shutil.copytree(ROOT/'results', d/'results')   # measured numbers the results pages read
    return d


@pytest.fixture(scope='module')
def proc(site):
    "Run `nbdev_proc_nbs` (nbdev_docs without `quarto render`) in the copy; returns its `_proc` folder."
    import nbdev.quarto as Q
    from nbdev.config import get_config
    mp = pytest.MonkeyPatch()
    mp.setattr(Q, '_ensure_quarto', lambda: None)   # without Quarto, nbdev would try to download and `sudo dpkg -i` it
    mp.chdir(site); get_config.cache_clear()         # get_config() is cached per process: make it read the copy
    err = None
    try: Q.nbdev_proc_nbs.__wrapped__(n_workers=1)
    except Exception as e: err = f'nbdev pre-render (nbdev_proc_nbs) failed: {e}\ncaused by: {e.__cause__!r}'
    finally: mp.undo(); get_config.cache_clear()
    if err: pytest.fail(err, pytrace=False)
    return site/'_proc'


def test_prerender(proc, site):
    "Every notebook is processed into _proc with frontmatter, exported code removed and API docs (show_doc) filled in."
    from execnb.nbio import read_nb
    assert _notebooks(proc) == _notebooks(site/'nbs')
    q = proc/'_quarto.yml'
    assert q.is_file() and not q.is_symlink() and q.read_text() == (ROOT/'_quarto.yml').read_text()
    assert (proc/'styles.css').exists()
    ny = yaml.safe_load((proc/'nbdev.yml').read_text())
    assert ny['project']['output-dir'] == '_docs' and ny['website']['title'] == 'img2audio'
    assert ny['website']['repo-url'].startswith('https://github.com/')      # needed by `repo-actions: [issue]`
    side = yaml.safe_load((proc/'sidebar.yml').read_text())['website']['sidebar']['contents']
    assert side[0] == 'index.ipynb' and sorted(side) == _notebooks(site/'nbs')
    for name in _notebooks(proc):
        src, nb = read_nb(site/'nbs'/name), read_nb(proc/name)
        fm = yaml.safe_load(nb.cells[0].source.strip().strip('-')) if nb.cells[0].cell_type == 'raw' else {}
        assert fm.get('title'), f'{name}: no page title (start the notebook with "# Title" and "> description")'
        n_exp = sum(c.cell_type == 'code' and c.source.lstrip().startswith('#| export') for c in src.cells)
        assert not any(c.source.lstrip().startswith('#| export') for c in nb.cells), f'{name}: exported source left'
        n_doc = sum(c.cell_type == 'code' and 'show_doc(' in c.source and bool(c.get('outputs')) for c in nb.cells)
        if n_exp: assert n_doc > 0, f'{name}: has exported code but no rendered API documentation'


# ---------------------------------------------------------------------------------------------- the built site, every page
def _build_module():
    import importlib.util
    spec = importlib.util.spec_from_file_location('build_docs', ROOT/'.ci'/'build_docs.py')
    m = importlib.util.module_from_spec(spec); spec.loader.exec_module(m)
    return m


@pytest.fixture(scope='module')
def built():
    "The site built by `python .ci/build_docs.py`: build.json, checked to be current."
    info = ROOT/'_docs'/'build.json'
    if not info.exists(): pytest.skip('docs not built: run `OMP_NUM_THREADS=1 python .ci/build_docs.py` (.ci/run does it)')
    b, info = _build_module(), json.loads(info.read_text())
    lib = b._lib_hash()
    stale = [n for n in _notebooks(NBS) if info['pages'].get(n, {}).get('key') != b.page_key(n, lib)]
    assert not stale, f'the built docs are older than these notebooks (or the library): {stale}; run python .ci/build_docs.py'
    return info


def test_every_page_built(built):
    "Every notebook is a page, executed without error, in the sidebar's reading order (index first)."
    order = built['order']
    assert sorted(order) == _notebooks(NBS) and order[0] == 'index.ipynb'
    side = yaml.safe_load((ROOT/'_proc'/'sidebar.yml').read_text())['website']['sidebar']['contents']
    assert side == order
    bad = {n: r['error'] for n, r in built['pages'].items() if r.get('error')}
    assert not bad, f'pages whose execution failed: {bad}'
    for n in order:
        assert (ROOT/'_docs'/(Path(n).stem + '.html')).exists(), n
        nb = json.loads((ROOT/'_proc'/n).read_text())
        errs = [o for c in nb['cells'] for o in c.get('outputs', []) if o.get('output_type') == 'error']
        assert not errs, f'{n}: error output in _proc: {errs[0].get("ename")}: {errs[0].get("evalue")}'


def test_proc_pages_show_figures(built):
    "The real route's input (_proc, what Quarto renders) holds the figures and results tables each page must show."
    for n, k in PAGES.items():
        nb = json.loads((ROOT/'_proc'/n).read_text())
        pngs = [o for c in nb['cells'] for o in c.get('outputs', []) if 'image/png' in o.get('data', {})]
        assert len(pngs) >= k, f'{n}: {len(pngs)} figures in _proc/{n}, expected at least {k}'
    for n, word in RESULTS_PAGES.items():
        nb = json.loads((ROOT/'_proc'/n).read_text())
        outs = [o.get('data', {}) for c in nb['cells'] for o in c.get('outputs', [])]
        tables = [''.join(d[k]) for d in outs for k in ('text/html', 'text/markdown') if k in d]
        assert any(('<table' in t or '|---|' in t) and word in t.lower() for t in tables), f"{n}: no table with '{word}' in it"


_PROBE = ("<script>window.addEventListener('load', function() {"
          " var r = Array.from(document.images).map(function(i) { return {src: i.src.slice(0, 60), w: i.naturalWidth, h: i.naturalHeight}; });"
          " var e = document.querySelectorAll('[data-mime-type=\"application/vnd.jupyter.stderr\"], .jp-RenderedText pre');"
          " var tb = Array.from(e).filter(function(x) { return /Traceback|Error:/.test(x.textContent); }).length;"
          " var t = document.querySelectorAll('table').length;"
          " document.body.setAttribute('data-probe', JSON.stringify({imgs: r, errors: tb, tables: t,"
          " height: document.documentElement.scrollHeight}));"
          "});</script>")


def test_every_page_in_chromium(built, tmp_path):
    """Headless Chromium opens every page: each figure decodes (naturalWidth > 0), no page shows an error output, each
    results page shows its table and figure; screenshots of a few pages go to the test's temporary folder."""
    exe = _chromium()
    if not exe: pytest.skip('chromium not installed (apt-get install -y chromium chromium-driver)')
    from PIL import Image
    import numpy as np
    site = tmp_path/'site'
    shutil.copytree(ROOT/'_docs', site)
    keep = os.environ.get('IMG2AUDIO_DOCS_OUT')      # set it to keep the screenshots for a look
    checked, shots = 0, []
    for n in built['order']:
        f = site/(Path(n).stem + '.html')
        f.write_text(f.read_text().replace('</body>', _PROBE + '\n</body>'))
        dom = _run_chromium(exe, f, tmp_path/'profile', '--window-size=1200,900', '--dump-dom')
        m = re.search(r'data-probe="([^"]*)"', dom)
        assert m, f'{n}: the page did not finish loading in chromium'
        probe = json.loads(html.unescape(m.group(1)))
        bad = [i for i in probe['imgs'] if not (i['w'] > 0 and i['h'] > 0)]
        assert not bad, f'{n}: figures that did not load: {bad}'
        assert probe['errors'] == 0, f'{n}: the page shows an error output'
        assert len(probe['imgs']) >= PAGES.get(n, 0), f'{n}: {len(probe["imgs"])} figures, expected {PAGES[n]}'
        if n in RESULTS_PAGES:
            assert probe['tables'] >= 1 and len(probe['imgs']) >= 1, f'{n}: a results page without its table and figure: {probe}'
        checked += 1
        if n in SCREENSHOTS:
            shot = tmp_path/(f.stem + '.png')
            _run_chromium(exe, f, tmp_path/'profile', f'--window-size=1200,{int(min(max(probe["height"], 900), 6000))}',
                          f'--screenshot={shot}')
            im = np.asarray(Image.open(shot).convert('RGB'), dtype=float)
            assert im.std() > 10, f'{n}: blank screenshot'
            shots.append(shot)
            if keep: Path(keep).mkdir(parents=True, exist_ok=True); shutil.copy2(shot, Path(keep)/f'docs_{f.stem}.png')
    assert checked == len(_notebooks(NBS))
    print(f'{checked} pages opened in chromium; screenshots: ' + ', '.join(map(str, shots)))


def _chromium():
    for n in ('chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable'):
        if shutil.which(n): return shutil.which(n)


def _run_chromium(exe, page, tmp, *args):
    flags = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-dev-shm-usage',
             '--disable-background-networking', '--disable-component-update', '--disable-sync', '--hide-scrollbars',
             '--force-device-scale-factor=1', '--host-resolver-rules=MAP * ~NOTFOUND', '--virtual-time-budget=4000',
             f'--user-data-dir={tmp}']
    r = subprocess.run([exe, *flags, *args, page.as_uri()], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, f'chromium failed on {page.name}: {r.stderr[-2000:]}'
    return r.stdout
