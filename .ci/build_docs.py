"""Build the whole documentation site with every page executed: `python .ci/build_docs.py [--workers 2] [--quarto]`.

`nbdev_docs` renders the outputs stored in the notebooks, and this project stores none (nbdev_clean), so on its own it would publish
pages without a figure. This script makes the docs build execute the pages:

1. nbdev's pre-render step for real (`nbdev_proc_nbs` without its Quarto install): `_proc/` with nbdev.yml, sidebar.yml (the
   reading order) and the processed notebooks;
2. every notebook of nbs/ is executed (nbclient, `--workers` at a time, OMP_NUM_THREADS=1, IN_TEST=1 so that a final
   `nbdev_export()` is a no-op), then nbdev's own processors (`nbdev.serve_drv.main`, what `nbdev_proc_nbs` runs per notebook) turn
   the executed notebook into `_proc/<page>.ipynb`: Quarto's input, now holding the outputs;
3. each processed page is rendered to `_docs/<page>.html` with nbconvert (self-contained figures, the site's sidebar in reading
   order) - the route used where Quarto is not installed; with `--quarto` (Quarto installed) `quarto render _proc` then builds the
   published site from the same executed `_proc/`.

`_docs/build.json` records the pages, their source hashes, execution times and errors; tests/test_docs.py opens every page in
headless Chromium. A page whose notebook and library are unchanged since the last build is not executed again.
`run_experiment.ipynb` (the papermill template) is executed as papermill would run it, with `epochs=2` and a temporary `out_dir`.
"""
import argparse, hashlib, html, json, os, re, shutil, subprocess, sys, tempfile, time, warnings
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NBS, PROC, DOCS = ROOT/'nbs', ROOT/'_proc', ROOT/'_docs'
TEMPLATE_PARAMS = {'run_experiment.ipynb': "epochs = 2\nout_dir = {tmp!r}"}   # papermill-style injected parameters

def notebooks(folder=NBS)->list: return sorted(p.name for p in Path(folder).glob('*.ipynb') if not p.name.startswith(('_', '.')))

def _lib_hash()->str:
    h = hashlib.sha256()
    for p in sorted((ROOT/'img2audio').glob('*.py')) + sorted((ROOT/'results').rglob('*')):
        if p.is_file(): h.update(p.name.encode()); h.update(p.read_bytes())
    return h.hexdigest()[:16]

def page_key(name:str, lib:str)->str:
    "What a page's executed outputs depend on: its notebook, the library and the results it reads."
    return hashlib.sha256((NBS/name).read_bytes() + lib.encode()).hexdigest()[:16]

# ------------------------------------------------------------------------------------------------------------- 1. pre-render
def prerender():
    "nbdev_proc_nbs without Quarto: writes _proc/ (processed notebooks, nbdev.yml, sidebar.yml)."
    import nbdev.quarto as Q
    from nbdev.config import get_config
    Q._ensure_quarto = lambda: None      # without Quarto, nbdev would try to download and `sudo dpkg -i` it
    os.chdir(ROOT); get_config.cache_clear()
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        Q.nbdev_proc_nbs.__wrapped__(n_workers=1)
    import yaml
    return yaml.safe_load((PROC/'sidebar.yml').read_text())['website']['sidebar']['contents']

# ------------------------------------------------------------------------------------------------------------- 2. execute
def execute(name:str, out:Path, timeout:int=600)->dict:
    "Execute nbs/<name> into `out` (outputs kept even when a cell fails); returns {seconds, error}."
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError
    nb = nbformat.read(NBS/name, as_version=4)
    tmp = tempfile.mkdtemp(prefix='img2audio-docs-')
    if name in TEMPLATE_PARAMS:
        i = next(i for i, c in enumerate(nb.cells) if 'parameters' in c.metadata.get('tags', []))
        cell = nbformat.v4.new_code_cell(TEMPLATE_PARAMS[name].format(tmp=tmp + '/run'))
        cell.metadata['tags'] = ['injected-parameters']
        nb.cells.insert(i + 1, cell)
    t0, err = time.perf_counter(), None
    try:
        NotebookClient(nb, timeout=timeout, kernel_name='python3', resources={'metadata': {'path': str(NBS)}}).execute()
    except CellExecutionError as e: err = str(e).strip().splitlines()[-1][:300]
    except Exception as e: err = f'{type(e).__name__}: {e}'[:300]
    finally: shutil.rmtree(tmp, ignore_errors=True)
    nbformat.write(nb, out)
    return {'seconds': round(time.perf_counter() - t0, 1), 'error': err}

def process(executed:list):
    "nbdev's docs processors on executed notebooks (each `x.ipynb` -> `x.proc.ipynb`), in a fresh process as nbdev does."
    script = ('import sys, warnings; warnings.simplefilter("ignore"); from pathlib import Path; from nbdev.serve_drv import main\n'
              'from nbdev.processors import FilterDefaults\n'
              'for a in sys.argv[1:]: main((Path(a), Path(a).with_suffix(".proc.ipynb"), FilterDefaults))')
    r = subprocess.run([sys.executable, '-W', 'ignore', '-c', script, *map(str, executed)], cwd=ROOT, capture_output=True, text=True)
    if r.returncode: raise RuntimeError(f'nbdev processors failed:\n{r.stderr[-3000:]}')

# ------------------------------------------------------------------------------------------------------------- 3. render
def _title(p:dict)->dict:
    import yaml
    c = p['cells'][0]
    return yaml.safe_load(''.join(c['source']).strip().strip('-')) if c['cell_type'] == 'raw' else {}

def _nav(order:list, titles:dict, current:str)->str:
    items = ''.join(f'<li class="{"active" if n == current else ""}"><a href="{Path(n).stem}.html">{html.escape(titles[n])}</a></li>'
                    for n in order)
    return (f'<nav id="site-nav"><a class="site-title" href="index.html">img2audio</a><ol>{items}</ol></nav>'
            '<style>#site-nav{position:fixed;left:0;top:0;bottom:0;width:230px;overflow:auto;padding:12px;background:#f6f7f9;'
            'font:14px sans-serif;border-right:1px solid #ddd}#site-nav ol{padding-left:20px}#site-nav li{margin:4px 0}'
            '#site-nav li.active a{font-weight:bold}.site-title{font-size:18px;font-weight:bold}'
            'body>main,body>.jp-Notebook{margin-left:250px!important}</style>')

def render(p:dict, fm:dict, nav:str)->str:
    "nbconvert HTML of a processed notebook: self-contained (no remote scripts), Quarto-like title, the site's sidebar."
    import nbformat
    from nbconvert import HTMLExporter
    from traitlets.config import Config
    keys = {'cell_type', 'id', 'metadata', 'source', 'outputs', 'execution_count', 'attachments'}
    p = {**p, 'cells': [{k: v for k, v in c.items() if k in keys} for c in p['cells']]}      # drop nbdev's has_sd
    nb = nbformat.reads(json.dumps(p), as_version=4)
    nb.cells = [c for c in nb.cells if c.cell_type != 'raw']
    nb.cells.insert(0, nbformat.v4.new_markdown_cell(f"# {fm['title']}\n\n> {fm.get('description', '')}"))
    for c in nb.cells:
        if c.cell_type != 'code': continue
        if re.search(r'^#\|\s*(echo:\s*false|hide)', c.source, re.M): c.metadata.setdefault('tags', []).append('remove_input')
        if re.search(r'^#\|\s*hide', c.source, re.M): c.metadata['tags'].append('remove_cell')
        c.source = '\n'.join(l for l in c.source.splitlines() if not l.startswith('#|'))   # Quarto strips directives
        for o in c.get('outputs', []):                  # show_doc's Pandoc link attributes, which only Quarto reads
            md = o.get('data', {}).get('text/markdown')
            if md: o['data']['text/markdown'] = re.sub(r'\)\{[^}\n]*\}', ')', ''.join(md))
            o.get('data', {}).pop('application/vnd.jupyter.widget-view+json', None)       # no widget state in a static page
    cfg = Config()
    cfg.TagRemovePreprocessor.enabled = True
    cfg.TagRemovePreprocessor.remove_input_tags = {'remove_input'}
    cfg.TagRemovePreprocessor.remove_cell_tags = {'remove_cell'}
    cfg.TagRemovePreprocessor.remove_all_outputs_tags = set()
    cfg.HTMLExporter.exclude_input_prompt = cfg.HTMLExporter.exclude_output_prompt = True   # Quarto shows no prompts
    body, _ = HTMLExporter(config=cfg, template_name='lab').from_notebook_node(nb, resources={'metadata': {'name': fm['title']}})
    body = re.sub(r'<script[^>]*\bsrc="https?://[^"]*"[^>]*>\s*</script>', '', body)   # no network: mathjax, require.js
    body = re.sub(r'<link[^>]*\bhref="https?://[^"]*\.css"[^>]*>', '', body)
    return re.sub(r'(<body[^>]*>)', lambda m: m.group(1) + nav, body, count=1)

# ------------------------------------------------------------------------------------------------------------- main
def build(workers:int=2, force:bool=False, only:list|None=None)->dict:
    order = prerender()
    assert sorted(order) == notebooks(), f'sidebar {order} != notebooks {notebooks()}'
    DOCS.mkdir(exist_ok=True)
    old = json.loads((DOCS/'build.json').read_text()) if (DOCS/'build.json').exists() and not force else {'pages': {}}
    lib, work = _lib_hash(), PROC/'_executed'
    work.mkdir(exist_ok=True)
    todo = [n for n in order if (only is None or n in only) and not (
        old['pages'].get(n, {}).get('key') == page_key(n, lib) and (work/n).with_suffix('.proc.ipynb').exists())]
    print(f'{len(order)} pages; executing {len(todo)} ({workers} at a time), reusing {len(order) - len(todo)}', flush=True)
    env = {'OMP_NUM_THREADS': '1', 'MKL_NUM_THREADS': '1', 'IN_TEST': '1'}
    os.environ.update(env)
    res = dict(old['pages'])
    def one(n):
        r = execute(n, work/n)
        print(f"  {n}: {r['seconds']:.0f}s" + (f" ERROR {r['error']}" if r['error'] else ''), flush=True)
        return n, r
    t0 = time.perf_counter()
    with ThreadPoolExecutor(workers) as ex:
        for n, r in ex.map(one, todo): res[n] = {**r, 'key': page_key(n, lib)}
    if todo: process([work/n for n in todo])
    titles = {}
    for n in order:
        titles[n] = _title(json.loads((work/n).with_suffix('.proc.ipynb').read_text())).get('title', n)
    for n in order:
        p = json.loads((work/n).with_suffix('.proc.ipynb').read_text())
        shutil.copy2((work/n).with_suffix('.proc.ipynb'), PROC/n)     # Quarto's input now holds the executed outputs
        (DOCS/(Path(n).stem + '.html')).write_text(render(p, _title(p), _nav(order, titles, n)))
    if (NBS/'images').exists(): shutil.copytree(NBS/'images', DOCS/'images', dirs_exist_ok=True)
    info = {'order': order, 'pages': {n: res[n] for n in order}, 'seconds': round(time.perf_counter() - t0, 1)}
    (DOCS/'build.json').write_text(json.dumps(info, indent=1))
    return info

def main():
    a = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    a.add_argument('--workers', type=int, default=2, help='notebooks executed at a time')
    a.add_argument('--force', action='store_true', help='execute every page again')
    a.add_argument('--only', nargs='+', help='execute only these notebooks (others reuse the last build)')
    a.add_argument('--quarto', action='store_true', help='then `quarto render _proc` (Quarto must be installed)')
    args = a.parse_args()
    info = build(args.workers, args.force, args.only)
    bad = {n: r['error'] for n, r in info['pages'].items() if r.get('error')}
    print(f"built {len(info['order'])} pages into {DOCS} in {info['seconds']:.0f}s" + (f'; {len(bad)} failed: {bad}' if bad else ''))
    if args.quarto:
        if not shutil.which('quarto'): sys.exit('quarto is not installed: drop --quarto (pages are in _docs/) or install it')
        subprocess.run(['quarto', 'render', str(PROC)], check=True)
    sys.exit(1 if bad else 0)

if __name__ == '__main__': main()
