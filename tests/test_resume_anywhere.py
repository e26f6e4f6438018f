"""Issue 24: resume is exact from any point, snapshots are never poisoned
or lost, one writer per folder, signals and full disks end in one line.

The four-point runs decay their step sizes over the last 30% of the
iterations, so resuming from a snapshot taken after the decay began is
the case a resume that forgot the decayed step size gets wrong.
"""
import errno
import io
import json
import os
import random
import re
import shutil
import signal
import textwrap
import time
import zipfile

import numpy
import pytest

from vae_avb.experiment import prepare_out
from vae_avb.experiment import release_out
from vae_avb.experiment import run_main
from vae_avb.training import NonFiniteLossError
from vae_avb.training import Snapshots
from vae_avb.training.snapshots import list_snapshots

from tests.test_runs_survive import assert_same_state
from tests.test_runs_survive import final_state
from tests.test_runs_survive import FOUR
from tests.test_runs_survive import MNIST
from tests.test_runs_survive import load_example
from tests.test_runs_survive import run_in_process
from tests.test_runs_survive import start

# Decay from iteration 420; a snapshot every 37 iterations, all kept.
VAE = ['--test', '--method', 'vae', '--iteration', '600', '--snapshot-every',
       '37', '--keep-snapshots', '100']
# Decay from iteration 105.
AVB = ['--test', '--method', 'avb', '--iteration', '150', '--snapshot-every',
       '13', '--keep-snapshots', '100']
TIMES = ('train_seconds',)


@pytest.fixture(scope='module')
def straight(tmp_path_factory):
    """Uninterrupted runs: their snapshots and metrics."""
    root = tmp_path_factory.mktemp('straight')
    runs = {}
    for name, flags in (('vae', VAE), ('avb', AVB)):
        out = str(root / name)
        run_in_process(FOUR, flags + ['--out', out])
        runs[name] = out
    return runs


def metrics_of(out):
    with open(os.path.join(out, 'metrics.json')) as f:
        metrics = json.load(f)
    return {k: v for k, v in metrics.items() if k not in TIMES}


def snapshot(folder, iteration):
    return os.path.join(folder, 'snapshot_iter_{}.npz'.format(iteration))


@pytest.mark.parametrize('name, flags, iteration', [
    ('vae', VAE, 37), ('vae', VAE, 407), ('vae', VAE, 444),
    ('vae', VAE, 592), ('avb', AVB, 39), ('avb', AVB, 117),
    ('avb', AVB, 143)])
def test_resume_from_any_snapshot_equals_uninterrupted(
        straight, tmp_path, name, flags, iteration):
    out = str(tmp_path / 'resumed')
    os.makedirs(out)
    shutil.copy(snapshot(straight[name], iteration), out)
    run_in_process(FOUR, flags + ['--out', out, '--resume'])
    assert_same_state(final_state(out), final_state(straight[name]))
    assert metrics_of(out) == metrics_of(straight[name])


def test_plain_dynamic_binarization_resumes_exactly(tmp_path):
    """``--plain`` iterates with Chainer's SerialIterator, which does not
    save its dataset: the binarization's random state is kept in the
    snapshot by the script (KeepState)."""
    flags = ['--test', '--plain', '--binarize', 'dynamic', '--epoch', '2',
             '--snapshot-every', '3', '--keep-snapshots', '100', '--eval-k',
             '2']
    straight = str(tmp_path / 'straight')
    want = run_in_process(MNIST, flags + ['--out', straight])
    out = str(tmp_path / 'resumed')
    os.makedirs(out)
    shutil.copy(snapshot(straight, 6), out)
    got = run_in_process(MNIST, flags + ['--out', out, '--resume'])
    assert_same_state(final_state(out), final_state(straight))
    for key in ('test_elbo', 'test_log_likelihood'):
        assert got[key] == want[key], key


def test_train_vae_decay_resumes_exactly_after_it_began(tmp_path):
    """``train_vae.py --decay-start``: the step size decays over the end
    of the run (the result differs from no decay), and a resume from a
    snapshot inside the decay equals the uninterrupted run."""
    flags = ['--test', '--binarize', 'dynamic', '--epoch', '4',
             '--snapshot-every', '3', '--keep-snapshots', '100', '--eval-k',
             '2']
    decay = ['--decay-start', '0.5', '--decay-ratio', '0.01']
    straight = str(tmp_path / 'straight')
    want = run_in_process(MNIST, flags + decay + ['--out', straight])
    plain = run_in_process(MNIST, flags + ['--out', str(tmp_path / 'plain')])
    assert want['test_elbo'] != plain['test_elbo']
    out = str(tmp_path / 'resumed')
    os.makedirs(out)
    # 6 iterations an epoch, 24 in all: the decay runs from 12 to 24.
    shutil.copy(snapshot(straight, 15), out)
    got = run_in_process(MNIST, flags + decay + ['--out', out, '--resume'])
    assert_same_state(final_state(out), final_state(straight))
    for key in ('test_elbo', 'test_log_likelihood'):
        assert got[key] == want[key], key


def flip_bytes(path, where):
    data = bytearray(open(path, 'rb').read())
    at = int(len(data) * where)
    data[at:at + 16] = bytes(255 - b for b in data[at:at + 16])
    open(path, 'wb').write(bytes(data))


def truncate(path, where):
    size = os.path.getsize(path)
    with open(path, 'r+b') as f:
        f.truncate(int(size * where))


def rewrite_weight(path, array):
    """Replaces the first weight matrix of the snapshot ``path`` by the
    ``.npy`` bytes of ``array`` (or the bytes themselves), with valid
    checksums: an altered file that reads back."""
    with zipfile.ZipFile(path) as z:
        members = {name: z.read(name) for name in z.namelist()}
    target = sorted(n for n in members if n.endswith('/W.npy'))[0]
    if isinstance(array, bytes):
        members[target] = array
    else:
        buffer = io.BytesIO()
        numpy.save(buffer, array(numpy.load(io.BytesIO(members[target]))))
        members[target] = buffer.getvalue()
    with zipfile.ZipFile(path, 'w') as z:
        for name, data in members.items():
            z.writestr(name, data)


def replace_by(path, make):
    os.remove(path)
    make(path)


@pytest.mark.parametrize('damage', [
    lambda p: flip_bytes(p, 0.5), lambda p: flip_bytes(p, 0.9),
    lambda p: truncate(p, 0.5), lambda p: truncate(p, 0.99),
    lambda p: open(p, 'wb').close(),
    lambda p: rewrite_weight(p, lambda w: numpy.full_like(w, numpy.nan)),
    lambda p: rewrite_weight(p, lambda w: numpy.float32(0.5)),
    lambda p: rewrite_weight(p, lambda w: numpy.array(['abc'] * 5)),
    lambda p: rewrite_weight(p, b''),
    lambda p: replace_by(p, os.mkfifo)],
    ids=['flipped middle', 'flipped end', 'half', 'last bytes missing',
         'empty', 'NaN weights', 'scalar weights', 'text weights',
         'empty member', 'FIFO'])
def test_resume_falls_back_past_a_damaged_newest_snapshot(
        straight, tmp_path, capsys, damage):
    out = str(tmp_path / 'damaged')
    os.makedirs(out)
    for iteration in (518, 555, 592):
        shutil.copy(snapshot(straight['vae'], iteration), out)
    damage(snapshot(out, 592))
    capsys.readouterr()
    run_in_process(FOUR, VAE + ['--out', out, '--resume'])
    captured = capsys.readouterr()
    assert 'skipped: snapshot' in captured.err
    assert re.search(r'snapshot_iter_592.npz (is corrupt|is damaged or not '
                     r'an .npz archive|is not an .npz archive|holds NaN|is '
                     r'not a regular file)', captured.err), captured.err
    assert 'snapshot_iter_555.npz (iteration 555)' in captured.out
    assert_same_state(final_state(out), final_state(straight['vae']))


# Kills the run inside ``module.name``: in the evaluation, in the figures.
KILL_IN = textwrap.dedent('''
    import os, signal
    import {module} as module

    def killed(*args, **kwargs):
        os.kill(os.getpid(), signal.SIGKILL)

    module.{name} = killed
''')


def kill_when(process, ready, delay, timeout=300):
    """SIGKILLs ``process`` ``delay`` seconds after ``ready()``; whether it
    was still running."""
    deadline = time.time() + timeout
    while not ready() and process.poll() is None and time.time() < deadline:
        time.sleep(0.002)
    time.sleep(delay)
    if process.poll() is not None:
        return False
    process.send_signal(signal.SIGKILL)
    process.wait()
    return True


def test_kills_at_random_points_then_resume_equal_uninterrupted(
        straight, tmp_path):
    """SIGKILL at random points (start-up, random moments after randomly
    chosen snapshots: mid-training or mid-write), then inside the
    evaluation and inside the figures, each followed by ``--resume``:
    the final state and metrics are those of the run never killed."""
    rng = random.Random(24)
    out = str(tmp_path / 'killed')
    flags = VAE + ['--out', out, '--resume']
    kills = [kill_when(start(FOUR, flags), lambda: True, 0.3)]
    for k in sorted(rng.sample(range(1, 16), 6)):
        path = snapshot(out, 37 * k)
        kills.append(kill_when(start(FOUR, flags),
                               lambda: os.path.exists(path),
                               rng.uniform(0, 0.3)))
    for module, name in (('vae_avb.evaluation', 'quadrature_log_likelihood'),
                         ('vae_avb.visualization', 'plot_latent_samples')):
        process = start(FOUR, flags, KILL_IN.format(module=module,
                                                    name=name))
        process.wait(timeout=300)
        kills.append(process.returncode == -signal.SIGKILL)
    assert all(kills), kills
    assert os.path.exists(snapshot(out, 600))
    assert not os.path.exists(os.path.join(out, 'metrics.json'))
    process = start(FOUR, flags)
    _, err = process.communicate(timeout=300)
    assert process.returncode == 0, err.decode()
    assert_same_state(final_state(out), final_state(straight['vae']))
    assert metrics_of(out) == metrics_of(straight['vae'])


def run_script(argv, capsys):
    """``argv`` through the script runner: (exit status, stderr lines)."""
    capsys.readouterr()
    with pytest.raises(SystemExit) as info:
        run_main(load_example(FOUR).main, argv)
    return info.value.code, capsys.readouterr().err.strip().splitlines()


def test_weights_made_infinite_are_never_snapshotted(tmp_path, capsys):
    # A step size of 1e39 overflows float32: the first update makes the
    # weights infinite while the loss it was computed from was finite.
    out = str(tmp_path / 'diverged')
    code, err = run_script(['--test', '--method', 'vae', '--lr', '1e39',
                            '--snapshot-every', '1', '--keep-snapshots',
                            '1', '--out', out], capsys)
    assert code == 1
    assert len(err) == 1 and 'NaN or inf' in err[0], err
    # No snapshot and no temporary file: the folder the run made holds
    # nothing, so the failed script removed it (script_main).
    assert not os.path.exists(out)


def test_snapshots_keep_the_last_finite_one(tmp_path):
    import chainer
    from chainer import training
    model = chainer.links.Classifier(chainer.links.Linear(2, 2))
    optimizer = chainer.optimizers.Adam()
    optimizer.setup(model)
    data = chainer.datasets.TupleDataset(
        numpy.zeros((4, 2), numpy.float32), numpy.zeros(4, numpy.int32))
    trainer = training.Trainer(training.updaters.StandardUpdater(
        chainer.iterators.SerialIterator(data, 2), optimizer),
        (1, 'iteration'), out=str(tmp_path))
    snapshots = Snapshots((1, 'iteration'), keep=1)
    trainer.extend(snapshots)
    trainer.run()
    good = list_snapshots(str(tmp_path))
    assert [i for i, _ in good] == [1]
    trainer.updater.iteration = 2
    for poison in (lambda: model.predictor.W.array.__setitem__(
            (0, 1), numpy.inf),
            lambda: optimizer.target.predictor.b.update_rule.state[
                'v'].__setitem__(0, numpy.nan)):
        model.predictor.W.array[...] = 0
        poison()
        with pytest.raises(NonFiniteLossError,
                           match=r'snapshot_iter_2.npz is not written: '
                           r'updater/.*(W|b/v) holds NaN or inf'):
            snapshots.write(trainer)
        assert list_snapshots(str(tmp_path)) == good
        assert os.listdir(str(tmp_path)) == ['snapshot_iter_1.npz']


def test_one_writer_per_folder(tmp_path, capsys):
    out = str(tmp_path / 'busy')
    long_run = ['--test', '--method', 'vae', '--iteration', '200000',
                '--snapshot-every', '100', '--out', out]
    process = start(FOUR, long_run)
    try:
        deadline = time.time() + 120
        while not list_snapshots(out) and time.time() < deadline:
            time.sleep(0.01)
        assert list_snapshots(out), process.stderr.read().decode()
        for extra in ([], ['--resume'], ['--resume', 'auto']):
            code, err = run_script(long_run + extra, capsys)
            assert code == 2
            assert len(err) == 1 and 'in use by another running process' \
                in err[0], err
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait()
    # A killed run leaves no lock behind.
    prepare_out(out)
    release_out(out)


def test_fresh_run_into_a_finished_folder_is_refused(straight, tmp_path,
                                                     capsys):
    out = str(tmp_path / 'finished')
    shutil.copytree(straight['vae'], out)
    for _, path in list_snapshots(out):
        os.remove(path)
    before = open(os.path.join(out, 'metrics.json')).read()
    code, err = run_script(VAE + ['--out', out], capsys)
    assert code == 2 and len(err) == 1, err
    assert 'holds a finished run (metrics.json)' in err[0]
    assert open(os.path.join(out, 'metrics.json')).read() == before


@pytest.mark.parametrize('changed, named', [
    (['--lr', '0.01'], '--lr 0.001, this run has --lr 0.01'),
    (['--batch-size', '64'], '--batch-size 256, this run has --batch-size '
     '64'),
    (['--seed', '3'], '--seed 0, this run has --seed 3'),
    (['--iteration', '700'], '--iteration 600, this run has --iteration 700'),
    (['--decay-ratio', '0.5'], '--decay-ratio 0.1, this run has '
     '--decay-ratio 0.5')])
def test_resume_with_other_training_flags_is_refused(
        straight, tmp_path, capsys, changed, named):
    out = str(tmp_path / 'run')
    os.makedirs(out)
    shutil.copy(snapshot(straight['vae'], 444), out)
    code, err = run_script(VAE + ['--out', out, '--resume'] + changed,
                           capsys)
    assert code == 2 and len(err) == 1, err
    assert 'trained with ' + named in err[0]
    assert os.listdir(out) == ['snapshot_iter_444.npz']


def test_resume_may_change_what_does_not_train(straight, tmp_path):
    out = str(tmp_path / 'run')
    os.makedirs(out)
    shutil.copy(snapshot(straight['vae'], 444), out)
    run_in_process(FOUR, VAE[:-1] + ['3', '--snapshot-every', '50',
                                     '--skip-nonfinite', '--device', '-1',
                                     '--eval-samples', '400', '--out', out,
                                     '--resume'])
    assert_same_state(final_state(out), final_state(straight['vae']))


@pytest.mark.parametrize('signum', [signal.SIGINT, signal.SIGTERM])
def test_interrupt_ends_in_one_line_and_resumes_exactly(
        straight, tmp_path, signum):
    # A run that ended before the signal reached it (seen once in CI: a
    # starved poll) tests nothing: tried again in a new folder, at most
    # three times.
    for attempt in range(3):
        out = str(tmp_path / 'interrupted{}'.format(attempt))
        process = start(FOUR, VAE + ['--out', out])
        deadline = time.time() + 120
        while len(list_snapshots(out)) < 3 and time.time() < deadline and \
                process.poll() is None:
            time.sleep(0.005)
        if process.poll() is None:
            break
        process.communicate(timeout=120)
    process.send_signal(signum)
    _, err = process.communicate(timeout=120)
    err = err.decode().strip().splitlines()
    assert process.returncode == 130, err
    assert err[-1:] == ['train.py: interrupted; the files already written '
                        'are whole (a training run continues from its last '
                        'snapshot with --resume)'], err
    assert not any('Traceback' in line for line in err), err
    assert not any(n.endswith('.tmp') for n in os.listdir(out))
    run_in_process(FOUR, VAE + ['--out', out, '--resume'])
    assert_same_state(final_state(out), final_state(straight['vae']))


# The disk fills up while the snapshot of iteration 300 is written.
DISK_FULL = textwrap.dedent('''
    import errno, os
    import numpy
    import vae_avb.training.snapshots as snapshots
    real_savez = numpy.savez

    def savez(f, **arrays):
        if int(arrays.get('updater/iteration', 0)) == 300:
            raise OSError(errno.{0}, os.strerror(errno.{0}))
        real_savez(f, **arrays)

    snapshots.numpy.savez = savez
''')


@pytest.mark.parametrize('error', ['ENOSPC', 'EROFS', 'EDQUOT'])
def test_full_or_read_only_disk_ends_in_one_line(straight, tmp_path, error):
    out = str(tmp_path / 'full')
    process = start(FOUR, VAE + ['--snapshot-every', '100', '--out', out],
                    DISK_FULL.format(error))
    _, err = process.communicate(timeout=300)
    err = err.decode().strip().splitlines()
    assert process.returncode == 1, err
    assert len(err) == 1 and 'continues with --resume' in err[0], err
    assert os.strerror(getattr(errno, error)).split()[0] in err[0]
    assert [i for i, _ in list_snapshots(out)] == [100, 200]
    assert not any(n.endswith('.tmp') for n in os.listdir(out))
