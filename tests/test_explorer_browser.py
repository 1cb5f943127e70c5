"""The explorer as a person uses it: JupyterLab on 127.0.0.1 (token, free port, temporary root, this repository's Python),
the explorer notebook opened in headless Chromium (selenium), run, a run and a face picked with the mouse's widgets, and the
spectrogram image and the audio player checked on the page. A screenshot is left in the test's temporary folder."""
import json, os, shutil, socket, subprocess, sys, time, urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _tool(*names):
    for n in names:
        if shutil.which(n): return shutil.which(n)


def _free_port()->int:
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0)); return s.getsockname()[1]


@pytest.fixture(scope='module')
def runs(tmp_path_factory):
    "A 1-epoch synthetic Base run and a tiny Image2Audio run (the explorer notebook's own demo names)."
    from img2audio.experiment import run_experiment
    root = tmp_path_factory.mktemp('runs')
    tiny = dict(dataset='synthetic', n_actors=8, epochs=1, progress=False)
    run_experiment('base', out_dir=str(root/'base'), **tiny)
    run_experiment('image2audio', out_dir=str(root/'i2a'), rounds=1, trans_steps=2, dis_steps=1, n_gen=8, k_density=1,
                   pretrain_steps=1, gate=0, **tiny)
    return root


@pytest.fixture(scope='module')
def lab(tmp_path_factory, request):
    "A JupyterLab server serving a copy of nbs/50_explorer.ipynb pointed at the tiny runs; yields (url, notebook name)."
    chrome, driver = _tool('chromium', 'chromium-browser', 'google-chrome'), _tool('chromedriver')
    if not (chrome and driver): pytest.skip('chromium/chromedriver not installed (apt-get install -y chromium chromium-driver)')
    pytest.importorskip('selenium')
    runs = request.getfixturevalue('runs')
    d = tmp_path_factory.mktemp('lab')
    nb = json.loads((ROOT/'nbs'/'50_explorer.ipynb').read_text())
    cells = [c for c in nb['cells'] if c['cell_type'] == 'code' and ''.join(c['source']).startswith('runs_root = None')]
    assert len(cells) == 1, 'the explorer notebook must have one `runs_root = None` cell'
    cells[0]['source'] = f'runs_root = {str(runs)!r}'
    (d/'explorer.ipynb').write_text(json.dumps(nb))
    port, token = _free_port(), 'img2audio-test-token'
    env = {**os.environ, 'PYTHONPATH': str(ROOT), 'OMP_NUM_THREADS': '1', 'IN_TEST': '1', 'JUPYTER_CONFIG_DIR': str(d/'.jcfg'),
           'JUPYTER_RUNTIME_DIR': str(d/'.jrt'), 'PATH': f'{Path(sys.executable).parent}:{os.environ["PATH"]}'}
    log = open(d/'lab.log', 'w')
    p = subprocess.Popen([sys.executable, '-m', 'jupyter', 'lab', '--no-browser', '--ip=127.0.0.1', f'--port={port}',
                          f'--IdentityProvider.token={token}', '--allow-root', f'--ServerApp.root_dir={d}', '--LabApp.expose_app_in_browser=True',
                          '--ServerApp.disable_check_xsrf=False', '--LabApp.news_url=', '--LabApp.check_for_updates_class='
                          'jupyterlab.NeverCheckForUpdate'], env=env, stdout=log, stderr=subprocess.STDOUT, cwd=d)
    url = f'http://127.0.0.1:{port}'
    try:
        for _ in range(120):
            try:
                urllib.request.urlopen(f'{url}/api/status?token={token}', timeout=2); break
            except OSError: time.sleep(0.5)
        else: pytest.fail(f'jupyter lab did not start: {(d/"lab.log").read_text()[-2000:]}')
        yield url, token, chrome, driver, d
    finally:
        p.terminate()
        try: p.wait(10)
        except subprocess.TimeoutExpired: p.kill()


def test_explorer_in_jupyterlab(lab, tmp_path):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select, WebDriverWait
    url, token, chrome, driver, d = lab
    o = webdriver.ChromeOptions()
    o.binary_location = chrome
    for f in ('--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
              '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage', '--window-size=1400,1000',
              f'--user-data-dir={tmp_path/"profile"}'):
        o.add_argument(f)
    b = webdriver.Chrome(service=Service(driver), options=o)
    shot = tmp_path/'explorer.png'
    try:
        b.get(f'{url}/lab/tree/explorer.ipynb?token={token}')
        wait = WebDriverWait(b, 60, poll_frequency=0.5)
        wait.until(lambda b: b.execute_script(         # the notebook's kernel is up (JupyterLab exposes its app: see flags)
            "const a = window.jupyterapp; const w = a && Array.from(a.shell.widgets('main')).find(x => x.sessionContext);"
            "return !!w && w.sessionContext.kernelDisplayStatus === 'idle';"))
        b.find_elements(By.CSS_SELECTOR, '.jp-Notebook .jp-Cell')[0].click()    # focus: the notebook becomes the current one
        b.execute_script("window.jupyterapp.commands.execute('notebook:run-all-cells');")     # Run ▸ Run All Cells
        sel = '.jp-OutputArea-output .widget-tab'
        WebDriverWait(b, 120, poll_frequency=0.5).until(lambda b: b.find_elements(By.CSS_SELECTOR, sel))
        tracebacks = [e.text for e in b.find_elements(By.CSS_SELECTOR, '.jp-OutputArea-output[data-mime-type*="error"]')]
        assert not tracebacks, f'the notebook raised: {tracebacks[:1]}'
        app = b.find_elements(By.CSS_SELECTOR, sel)[-1]
        b.execute_script('arguments[0].scrollIntoView()', app)
        app.find_element(By.XPATH, ".//*[contains(@class,'lm-TabBar-tab')][contains(., 'translate a face')]").click()
        dd = lambda label: app.find_element(By.XPATH, f".//div[contains(@class,'widget-dropdown')][.//label[normalize-space()='{label}']]")
        panel = dd('run').find_element(By.XPATH, "./ancestor::div[contains(@class,'widget-vbox')][1]")
        Select(dd('run').find_element(By.TAG_NAME, 'select')).select_by_visible_text('i2a')
        wait.until(lambda b: len(Select(dd('face').find_element(By.TAG_NAME, 'select')).options) > 1)
        Select(dd('face').find_element(By.TAG_NAME, 'select')).select_by_index(1)
        wait.until(lambda b: panel.find_elements(By.TAG_NAME, 'audio'))
        imgs = panel.find_elements(By.TAG_NAME, 'img')
        wait.until(lambda b: all(b.execute_script('return arguments[0].naturalWidth', i) > 0 for i in imgs))
        sizes = [b.execute_script('return [arguments[0].naturalWidth, arguments[0].naturalHeight]', i) for i in imgs]
        assert len(imgs) == 3 and all(w > 100 and h > 100 for w, h in sizes), sizes     # face, spectrogram, probabilities
        audio = panel.find_element(By.TAG_NAME, 'audio')
        assert audio.get_attribute('src').startswith('blob:') or audio.get_attribute('src'), 'audio player has no sound'
        b.execute_script('arguments[0].scrollIntoView()', panel)
        b.save_screenshot(str(shot))
        keep = os.environ.get('IMG2AUDIO_SHOTS')       # set to keep the screenshot for a look
        if keep: Path(keep).mkdir(parents=True, exist_ok=True); shutil.copy2(shot, Path(keep)/'explorer_jupyterlab.png')
    except Exception:
        b.save_screenshot(str(shot)); raise
    finally: b.quit()
    assert shot.stat().st_size > 10_000
