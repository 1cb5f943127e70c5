"""The documentation site, proven without Quarto (not installable on these machines).

What `nbdev_docs` does is (1) nbdev's pre-render step (`nbdev_proc_nbs`: write nbs/nbdev.yml and nbs/sidebar.yml, then run
nbdev's notebook processors into `_proc/`) and (2) `quarto render` of `_proc/`. Here we run step (1) for real, on a copy of
the project in a temporary folder, and replace step (2) by another route for a few pages: execute the notebook (nbclient),
run the same nbdev processors on it, convert it to HTML (nbconvert) and open the page in headless Chromium, checking that its
figures are really displayed (decoded by the browser, visible in a screenshot).
"""
import ast, base64, html, io, json, os, re, shutil, subprocess, sys, warnings
from pathlib import Path

import pytest, yaml

ROOT = Path(__file__).resolve().parents[1]
NBS = ROOT/'nbs'
PAGES = {'06_metrics.ipynb': 1, '04_splits.ipynb': 0, '14_table1.ipynb': 3}  # pages rendered to HTML → inline figures each must show
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


# ---------------------------------------------------------------------------------------- pages rendered to HTML, no Quarto
def _html_page(executed, fm) -> str:
    "nbconvert HTML of a processed notebook, self-contained (remote scripts dropped), Quarto-like title from the frontmatter."
    import nbformat
    from nbconvert import HTMLExporter
    from traitlets.config import Config
    keys = {'cell_type', 'id', 'metadata', 'source', 'outputs', 'execution_count', 'attachments'}
    executed = {**executed, 'cells': [{k: v for k, v in c.items() if k in keys} for c in executed['cells']]}  # drop nbdev's has_sd
    nb = nbformat.reads(json.dumps(executed), as_version=4)
    nb.cells = [c for c in nb.cells if c.cell_type != 'raw']
    nb.cells.insert(0, nbformat.v4.new_markdown_cell(f"# {fm['title']}\n\n> {fm.get('description', '')}"))
    for c in nb.cells:
        if c.cell_type != 'code': continue
        if re.search(r'^#\|\s*echo:\s*false', c.source, re.M): c.metadata.setdefault('tags', []).append('remove_input')
        c.source = '\n'.join(l for l in c.source.splitlines() if not l.startswith('#|'))   # Quarto strips directives
        for o in c.get('outputs', []):                  # show_doc's Pandoc link attributes, which only Quarto reads
            md = o.get('data', {}).get('text/markdown')
            if md: o['data']['text/markdown'] = re.sub(r'\)\{[^}\n]*\}', ')', ''.join(md))
    cfg = Config()
    cfg.TagRemovePreprocessor.enabled = True
    cfg.TagRemovePreprocessor.remove_input_tags = {'remove_input'}
    cfg.TagRemovePreprocessor.remove_all_outputs_tags = set()
    cfg.HTMLExporter.exclude_input_prompt = cfg.HTMLExporter.exclude_output_prompt = True   # Quarto shows no prompts
    body, _ = HTMLExporter(config=cfg, template_name='lab').from_notebook_node(nb, resources={'metadata': {'name': fm['title']}})
    body = re.sub(r'<script[^>]*\bsrc="https?://[^"]*"[^>]*>\s*</script>', '', body)   # no network: mathjax, require.js
    body = re.sub(r'<link[^>]*\bhref="https?://[^"]*\.css"[^>]*>', '', body)
    probe = ("<script>window.addEventListener('load', function() {"
             " var r = Array.from(document.images).map(function(i) { var b = i.getBoundingClientRect();"
             " return {w: i.naturalWidth, h: i.naturalHeight, x: b.left, y: b.top + window.scrollY, bw: b.width, bh: b.height}; });"
             " document.body.setAttribute('data-probe', JSON.stringify({imgs: r, height: document.documentElement.scrollHeight}));"
             "});</script>")
    return body.replace('</body>', probe + '\n</body>')


@pytest.fixture(scope='module')
def pages(site, tmp_path_factory):
    "Execute each page's notebook (nbclient), apply nbdev's docs processors to the result, write HTML. {name: html path}"
    nbformat = pytest.importorskip('nbformat')
    pytest.importorskip('nbconvert', reason='nbconvert is needed to render pages without Quarto (dev_requirements)')
    from nbclient import NotebookClient
    out, res = tmp_path_factory.mktemp('pages'), {}
    mp = pytest.MonkeyPatch(); mp.setenv('IN_TEST', '1')   # the notebooks' final nbdev_export() is then a no-op
    try:
        for name in PAGES:
            nb = nbformat.read(site/'nbs'/name, as_version=4)
            NotebookClient(nb, timeout=120, kernel_name='python3', resources={'metadata': {'path': str(site/'nbs')}}).execute()
            nbformat.write(nb, out/name)
    finally: mp.undo()
    # the same processors nbdev_docs applies (nbdev.serve_drv.main is what proc_nbs runs per notebook), in a fresh process
    script = ('import sys; from pathlib import Path; from nbdev.serve_drv import main; from nbdev.processors import FilterDefaults\n'
              'for a in sys.argv[1:]: main((Path(a), Path(a).with_suffix(".proc.ipynb"), FilterDefaults))')
    r = subprocess.run([sys.executable, '-W', 'ignore', '-c', script, *[str(out/n) for n in PAGES]], cwd=site,
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, f'nbdev processors failed on the executed notebooks:\n{r.stderr[-3000:]}'
    for name in PAGES:
        p = json.loads((out/name).with_suffix('.proc.ipynb').read_text())
        fm = yaml.safe_load(''.join(p['cells'][0]['source']).strip().strip('-'))
        res[name] = out/(Path(name).stem + '.html')
        res[name].write_text(_html_page(p, fm))
    if (site/'nbs'/'images').exists(): shutil.copytree(site/'nbs'/'images', out/'images')   # pictures the pages link to
    keep = os.environ.get('IMG2AUDIO_DOCS_OUT')      # set it to keep the pages and screenshots for a look
    if keep: Path(keep).mkdir(parents=True, exist_ok=True); [shutil.copy2(f, keep) for f in res.values()]
    return res


def _pngs(page):
    return [base64.b64decode(m) for m in re.findall(r'<img[^>]*src="data:image/png;base64,([^"]+)"', page)]

def _linked(page):
    "Pictures a page links to (markdown images under nbs/images/), as relative paths."
    return re.findall(r'<img[^>]*src="(images/[^"]+)"', page)


def test_pages_html(pages):
    "Each page has its title, its API docs, and its figures inline as real PNGs, and needs nothing from the network."
    from PIL import Image
    import numpy as np
    for name, f in pages.items():
        page = f.read_text()
        mod = Path(name).stem.split('_', 1)[1]
        import importlib, importlib.util
        if importlib.util.find_spec(f'img2audio.{mod}') is None:               # a results page, no module behind it
            title = ''.join(json.loads((NBS/name).read_text())['cells'][0]['source']).splitlines()[0].lstrip('# ').strip()
            assert re.search(rf'<h1[^>]*>\s*{re.escape(html.escape(title))}', page), f'{name}: page title {title!r} missing'
        else:
            assert f'<h1 id="{mod}">' in page, f'{name}: page title missing'
            m = importlib.import_module(f'img2audio.{mod}')
            for sym in [s for s in m.__all__ if callable(getattr(m, s))]:           # nbdev documents functions and classes
                assert re.search(rf'<h3[^>]*>\s*{re.escape(sym)}\b', page), f'{name}: no API docs for {sym}'
        for src in _linked(page): assert (f.parent/src).exists(), f'{name}: links to {src}, which is not in nbs/'
        assert not re.search(r'(src|href)="https?://[^"]*\.(js|css)"', page), f'{name}: page loads remote resources'
        imgs = _pngs(page)
        assert len(imgs) >= PAGES[name], f'{name}: {len(imgs)} inline figures, expected {PAGES[name]}'
        for b in imgs:
            a = np.asarray(Image.open(io.BytesIO(b)).convert('L'), dtype=float)
            assert min(a.shape) >= 100 and a.std() > 10, f'{name}: a figure is tiny or blank ({a.shape}, std {a.std():.1f})'


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


def test_pages_in_chromium(request, tmp_path):
    "Headless Chromium decodes every figure (nonzero natural size) and the screenshot shows it (not blank, in colour)."
    exe = _chromium()
    if not exe: pytest.skip('chromium not installed (apt-get install -y chromium chromium-driver)')
    pages = request.getfixturevalue('pages')
    from PIL import Image
    import numpy as np
    for name, f in pages.items():
        dom = _run_chromium(exe, f, tmp_path/'profile', '--window-size=1200,900', '--dump-dom')
        m = re.search(r'data-probe="([^"]*)"', dom)
        assert m, f'{name}: the page did not finish loading in chromium'
        probe = json.loads(html.unescape(m.group(1)))
        imgs = probe['imgs']
        page = f.read_text()
        assert len(imgs) >= PAGES[name] and len(imgs) == len(_pngs(page)) + len(_linked(page)), f'{name}: images in DOM: {imgs}'
        assert all(i['w'] > 0 and i['h'] > 0 and i['bw'] > 50 for i in imgs), f'{name}: an image did not load: {imgs}'
        height = int(min(max(probe['height'], 600), 8000))
        shot = tmp_path/(f.stem + '.png')
        _run_chromium(exe, f, tmp_path/'profile', f'--window-size=1200,{height}', f'--screenshot={shot}')
        im = np.asarray(Image.open(shot).convert('RGB'), dtype=float)
        assert im.shape[0] >= min(height, 600) and im.std() > 10, f'{name}: blank screenshot'
        for i in imgs:                                 # the figure's own pixels in the screenshot: varied and coloured
            x0, y0 = int(i['x']), int(i['y'])
            crop = im[y0:y0 + int(i['bh']), x0:x0 + int(i['bw'])]
            assert crop.size and crop.std() > 20, f'{name}: figure area at {x0},{y0} is blank in the screenshot'
            sat = crop.max(-1) - crop.min(-1)
            assert (sat > 60).mean() > 0.02, f'{name}: figure area has no colour (heatmap not drawn?)'
        keep = os.environ.get('IMG2AUDIO_DOCS_OUT')
        if keep: shutil.copy2(shot, keep)
