"""Write README.md from nbs/index.ipynb (what `nbdev_readme` does with Quarto, which these machines lack).

Markdown cells go in as they are. The code cells are executed in order, in nbs/ (as the docs build runs them), and a
cell tagged `readme` also gives the README what the docs page shows under it: the Markdown its last expression makes (a
table computed from the committed run records) and its figures, saved as nbs/images/readme_<k>.png. So every number in
the README comes from records, none is typed.
"""
import ast, json, os, re
from pathlib import Path

root = Path(__file__).resolve().parents[1]
IMAGES = root/'nbs'/'images'


def run_cell(src: str, ns: dict):
    "Execute a code cell; returns its last expression's value (None when it ends with a statement)."
    tree = ast.parse(src)
    last = tree.body.pop() if tree.body and isinstance(tree.body[-1], ast.Expr) else None
    exec(compile(tree, '<index.ipynb>', 'exec'), ns)
    return eval(compile(ast.Expression(last.value), '<index.ipynb>', 'eval'), ns) if last else None


def outputs(value, figures: list, saved: list) -> str:
    "What a `readme` cell shows, as Markdown: its figures (saved under nbs/images/), then its Markdown value."
    import matplotlib.pyplot as plt
    parts = []
    for fig in figures:
        path = IMAGES/f'readme_{len(saved) + 1}.png'
        fig.savefig(path, dpi=100, metadata={'Software': None})      # no version stamp: the same records, the same bytes
        saved.append(path)
        title = fig.axes[0].get_title() if fig.axes else 'figure'
        parts.append(f'![{title}](nbs/images/{path.name})')
        plt.close(fig)
    md = getattr(value, '_repr_markdown_', None)
    if md: parts.append(md())
    return '\n\n'.join(parts)


def main():
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    nb = json.loads((root/'nbs'/'index.ipynb').read_text())
    for old in IMAGES.glob('readme_*.png'): old.unlink()
    IMAGES.mkdir(exist_ok=True)
    parts, saved, ns, cwd = [], [], {'__name__': '__readme__'}, os.getcwd()
    os.chdir(root/'nbs')
    try:
        for c in nb['cells']:
            src = ''.join(c['source'])
            if c['cell_type'] == 'markdown':
                parts.append(re.sub(r'^> (.*)$', r'> \1', src, flags=re.M))
                continue
            before = set(plt.get_fignums())
            value = run_cell(src, ns)
            if 'readme' in c.get('metadata', {}).get('tags', []):
                figs = [plt.figure(n) for n in plt.get_fignums() if n not in before]
                parts.append(outputs(value, figs, saved))
    finally: os.chdir(cwd)
    text = ('<!-- generated from nbs/index.ipynb by .ci/make_readme.py: edit the notebook, not this file -->\n\n'
            + '\n\n'.join(p for p in parts if p) + '\n')
    (root/'README.md').write_text(text)


if __name__ == '__main__': main()
