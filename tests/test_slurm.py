"""`img2audio sweep --executor slurm` on a real SLURM: a one-node cluster on 127.0.0.1 made by the test.

The cluster lives in a temporary folder: its own munge key and socket, slurm.conf, state, spool, log and pid files,
and free ports. slurmctld and slurmd run without accounting (no slurmdbd), as on many small installations, so the
sweep follows its jobs with squeue. Two tiny Base runs (synthetic corpus) run as a SLURM array; the test cancels one
of them with scancel after its first checkpoint, starts the same sweep again (the finished run is skipped, the
cancelled one resumes), and checks that the gathered records equal a local sweep's of the same seeds, folds and
thread count. The daemons are stopped by their process ids. Skipped where slurm-wlm and munge are not installed
(`apt-get install -y slurm-wlm munge`).
"""
import json, os, shutil, signal, socket, subprocess, sys, time
from pathlib import Path

import pytest

from img2audio.sweep import sweep

DAEMONS = ('munged', 'slurmctld', 'slurmd')
CLIENTS = ('sbatch', 'squeue', 'scancel', 'srun', 'sinfo')
EPOCHS = 30                          # a run takes long enough after its first checkpoint to be cancelled mid-run
TINY = ['--epochs', str(EPOCHS), '--n-actors', '8']
SAME = ('accuracy', 'uar', 'macro_f1', 'n_test', 'classes', 'confusion', 'series', 'torch_threads')


def _which(name): return shutil.which(name, path=os.environ.get('PATH', '') + ':/usr/sbin:/sbin')


pytestmark = [
    pytest.mark.skipif(any(_which(c) is None for c in DAEMONS + CLIENTS),
                       reason='slurm-wlm and munge are not installed (apt-get install -y slurm-wlm munge)'),
    pytest.mark.skipif(not hasattr(os, 'geteuid') or os.geteuid() != 0,
                       reason='slurmd runs jobs as their users, so the test cluster needs root'),
    pytest.mark.timeout(600)]


def _free_ports(n):
    socks = [socket.socket() for _ in range(n)]
    for s in socks: s.bind(('127.0.0.1', 0))
    ports = [s.getsockname()[1] for s in socks]
    for s in socks: s.close()
    return ports


def _slurm_conf(d: Path, host: str, ports, cpus: int) -> str:
    return '\n'.join([
        'ClusterName=img2audio-test', f'SlurmctldHost={host}(127.0.0.1)',
        f'SlurmctldPort={ports[0]}', f'SlurmdPort={ports[1]}',
        'AuthType=auth/munge', 'CredType=cred/munge', f'AuthInfo=socket={d}/munge/munge.socket',
        'SlurmUser=root', 'SlurmdUser=root',
        f'StateSaveLocation={d}/state', f'SlurmdSpoolDir={d}/spool',
        f'SlurmctldPidFile={d}/run/slurmctld.pid', f'SlurmdPidFile={d}/run/slurmd.pid',
        f'SlurmctldLogFile={d}/log/slurmctld.log', f'SlurmdLogFile={d}/log/slurmd.log',
        f'PlugStackConfig={d}/plugstack.conf',
        'ProctrackType=proctrack/linuxproc', 'TaskPlugin=task/none',
        'SelectType=select/cons_tres', 'SelectTypeParameters=CR_Core',
        'AccountingStorageType=accounting_storage/none', 'JobAcctGatherType=jobacct_gather/none',
        'MpiDefault=none', 'ReturnToService=2', 'KillWait=2', 'MinJobAge=60',
        f'NodeName={host} NodeAddr=127.0.0.1 CPUs={cpus} RealMemory=2000 State=UNKNOWN',
        f'PartitionName=debug Nodes={host} Default=YES MaxTime=INFINITE State=UP', ''])


def _wait_for(check, what: str, timeout: float = 30):
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        if check(): return
        time.sleep(0.2)
    raise TimeoutError(f'{what} within {timeout:.0f}s')


def _stop(pid_file: Path):
    "Stop one daemon by the process id in its pid file (SIGTERM, then SIGKILL after 10 s)."
    if not pid_file.exists(): return
    pid = int(pid_file.read_text().split()[0])
    try: os.kill(pid, signal.SIGTERM)
    except ProcessLookupError: return
    t0 = time.monotonic()
    while time.monotonic() - t0 < 10:
        try: os.kill(pid, 0)
        except ProcessLookupError: return
        time.sleep(0.1)
    os.kill(pid, signal.SIGKILL)


@pytest.fixture(scope='module')
def cluster(tmp_path_factory):
    "A one-node SLURM cluster on the loopback; yields the environment its commands need."
    d = tmp_path_factory.mktemp('slurm')
    for sub in ('munge', 'state', 'spool', 'log', 'run'): (d/sub).mkdir()
    (d/'munge'/'munge.key').write_bytes(os.urandom(1024))
    (d/'munge'/'munge.key').chmod(0o600)
    (d/'plugstack.conf').write_text('')
    host = socket.gethostname().split('.')[0]
    (d/'slurm.conf').write_text(_slurm_conf(d, host, _free_ports(2), min(2, os.cpu_count() or 1)))
    env = {**os.environ, 'SLURM_CONF': str(d/'slurm.conf')}
    m = d/'munge'
    pids = [m/'munged.pid', d/'run'/'slurmd.pid', d/'run'/'slurmctld.pid']
    try:
        # --force: pytest's temporary folders are not world-executable, which munged would refuse for its socket
        subprocess.run([_which('munged'), '--force', f'--socket={m}/munge.socket', f'--key-file={m}/munge.key',
                        f'--pid-file={m}/munged.pid', f'--log-file={m}/munged.log', f'--seed-file={m}/munged.seed'],
                       check=True, env=env, capture_output=True)
        subprocess.run([_which('slurmctld'), '-f', str(d/'slurm.conf')], check=True, env=env, capture_output=True)
        subprocess.run([_which('slurmd'), '-f', str(d/'slurm.conf'), '-N', host], check=True, env=env,
                       capture_output=True)
        idle = lambda: subprocess.run(['sinfo', '-h', '-o', '%T'], env=env, capture_output=True,
                                      text=True).stdout.strip() == 'idle'
        _wait_for(idle, 'the node did not come up idle (see slurmctld.log, slurmd.log in ' + str(d/'log') + ')')
        print(f'\nSLURM cluster: {host} on 127.0.0.1, {d/"slurm.conf"}; daemons '
              + ', '.join(f'{p.stem} {p.read_text().split()[0]}' for p in pids))
        yield env, d
    finally:
        for p in pids: _stop(p)


def _cli(root, env):
    exe = Path(sys.executable).parent/'img2audio'
    cmd = [str(exe)] if exe.exists() else [sys.executable, '-c', 'import sys; from img2audio.experiment import main; '
                                           'sys.exit(main())']
    return cmd + ['sweep', '--method', 'base', '--seeds', '0', '--folds', '0', '1', '--root', str(root),
                  '--executor', 'slurm', '--cpus', '1', '--mem-gb', '1', '--time', '10', '--array-parallelism', '2',
                  '--threads', '1', '--quiet', *TINY]


def _queue(env) -> list:
    "Every job the controller holds: (id, state)."
    out = subprocess.run(['squeue', '-h', '-r', '-t', 'all', '-o', '%i %T'], env=env, capture_output=True, text=True)
    return [tuple(l.split()) for l in out.stdout.splitlines() if l.strip()]


def _records(root) -> dict:
    return {r['run']: r for r in json.loads((Path(root)/'runs.json').read_text())}


def test_slurm_sweep_cancel_and_resume(cluster, tmp_path, monkeypatch):
    env, d = cluster
    env = {**env, 'IMG2AUDIO_CACHE': str(tmp_path/'cache'), 'OMP_NUM_THREADS': '1'}
    t0 = time.perf_counter()
    root = tmp_path/'slurm'
    proc = subprocess.Popen(_cli(root, env), env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    victim = root/'synthetic-base-fold1-seed0'
    _wait_for(lambda: (victim/'checkpoint.safetensors').exists() or proc.poll() is not None,
              'the fold-1 run wrote no checkpoint', timeout=240)
    running = _queue(env)
    array = next(j for j, s in running if j.endswith('_1')).split('_')[0]
    subprocess.run(['scancel', f'{array}_1'], env=env, check=True)
    out, err = proc.communicate(timeout=240)
    states = _queue(env)
    print(f'jobs while the fold-1 run had its first checkpoint: {running}')
    print(f'after scancel {array}_1: {states}')
    print(f'first sweep (rc {proc.returncode}, {time.perf_counter() - t0:.0f}s):\n{out}')
    assert proc.returncode == 1, (out, err)
    assert dict(states) == {f'{array}_0': 'COMPLETED', f'{array}_1': 'CANCELLED'}, states
    assert 'state: CANCELLED' in out and 'start the same sweep again' in out, out
    first = {l.split()[0]: l for l in out.splitlines() if l.startswith('synthetic-')}
    assert first['synthetic-base-fold0-seed0'].split()[1] == 'done' and 'failed' in first[victim.name], first
    assert 'sacct' not in err, err                            # no "Bypassing sacct error" on every poll
    assert not (victim/'metrics.json').exists() and (victim/'checkpoint.safetensors').exists()
    t1 = time.perf_counter()
    again = subprocess.run(_cli(root, env), env=env, capture_output=True, text=True, timeout=300)
    print(f'started again (rc {again.returncode}, {time.perf_counter() - t1:.0f}s):\n{again.stdout}')
    assert again.returncode == 0, (again.stdout, again.stderr)
    lines = {l.split()[0]: l for l in again.stdout.splitlines() if l.startswith('synthetic-')}
    assert lines['synthetic-base-fold0-seed0'].split()[1:3] == ['done', 'before'], lines
    assert lines[victim.name].split()[1] == 'done' and 'before' not in lines[victim.name], lines
    log = (victim/'run.log').read_text()
    assert 'resuming' in log, log
    print('resumed run log: ' + next(l for l in log.splitlines() if 'resuming' in l))
    assert 'sacct' not in again.stderr, again.stderr
    # the same runs with the local executor: every metric, the confusion counts and the per-epoch series are equal
    t2 = time.perf_counter()
    for k, v in env.items(): monkeypatch.setenv(k, v)
    local = sweep('base', tmp_path/'local', seeds=[0], folds=[0, 1], executor='local', workers=2, threads=1,
                  progress=False, epochs=EPOCHS, n_actors=8)
    assert list(local.status) == ['done', 'done'], local
    a, b = _records(root), _records(tmp_path/'local')
    assert sorted(a) == sorted(b) == ['synthetic-base-fold0-seed0', 'synthetic-base-fold1-seed0']
    for name in a:
        diff = {k: (a[name].get(k), b[name].get(k)) for k in SAME if a[name].get(k) != b[name].get(k)}
        assert not diff, f'{name}: SLURM and local records differ: {diff}'
    accs = ', '.join(f"{n} accuracy {a[n]['accuracy']:.4f}" for n in sorted(a))
    print(f"records equal to the local sweep's: {accs}")
    print(f'local sweep {time.perf_counter() - t2:.0f}s; whole test {time.perf_counter() - t0:.0f}s')
