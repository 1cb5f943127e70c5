"Write README.md from nbs/index.ipynb (what `nbdev_readme` does with Quarto, which these machines lack): markdown cells as they are."
import json, re, sys
from pathlib import Path
root = Path(__file__).resolve().parents[1]
nb = json.loads((root/'nbs'/'index.ipynb').read_text())
parts = []
for c in nb['cells']:
    if c['cell_type'] != 'markdown': continue
    src = ''.join(c['source'])
    src = re.sub(r'^> (.*)$', r'> \1', src, flags=re.M)
    parts.append(src)
text = '<!-- generated from nbs/index.ipynb by .ci/make_readme.py: edit the notebook, not this file -->\n\n' + '\n\n'.join(parts) + '\n'
(root/'README.md').write_text(text)
