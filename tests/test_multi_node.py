"""Issue 28: training on several processes with ChainerMN
(``mpiexec -n 2 ... --communicator naive``) on the CPU.

Two ranks with half the batch each must train what one process trains
with the whole batch (the noise made rank-independent by
tests/mpi_worker.py), the weights must stay equal on every rank while the
noise streams differ, a resume after a kill at a random moment must equal
the uninterrupted run, another number of ranks must be refused, and a
rank that fails or is killed must end the run, never hang it.
"""
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time

import numpy
import pytest

import chainer

from vae_avb.experiment import UsageError
from vae_avb.training.multi_node import ShardIterator
from vae_avb.datasets import ArrayIterator

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MPIEXEC = os.path.join(os.path.dirname(sys.executable), 'mpiexec')
WORKER = os.path.join(ROOT, 'tests', 'mpi_worker.py')
VAE = os.path.join(ROOT, 'examples', 'mnist', 'train_vae.py')
AVB = os.path.join(ROOT, 'examples', 'mnist', 'train_avb.py')
FOUR = os.path.join(ROOT, 'examples', 'four_points', 'train.py')


def _have_mpi():
    try:
        import mpi4py  # NOQA
    except ImportError:
        return False
    return os.path.exists(MPIEXEC)


needs_mpi = pytest.mark.skipif(
    not _have_mpi(), reason='needs the mpi extra (pip install ".[mpi]": '
    'mpi4py and the mpich wheel, whose mpiexec is beside this Python)')


def environment():
    env = dict(os.environ, OMP_NUM_THREADS='1', PYTHONPATH=ROOT)
    for name in ('PMI_RANK', 'PMI_SIZE', 'OMPI_COMM_WORLD_RANK',
                 'OMPI_COMM_WORLD_SIZE'):
        env.pop(name, None)
    return env


def command(n, argv):
    python = [sys.executable] + argv
    return python if n is None else [MPIEXEC, '-n', str(n)] + python


def run(n, argv, timeout=300):
    """Runs ``argv`` (a script and its flags) on ``n`` ranks, or as one
    plain process for ``n=None``."""
    return subprocess.run(command(n, argv), capture_output=True, text=True,
                          timeout=timeout, env=environment(), cwd=ROOT)


def errors(result):
    return [line for line in result.stderr.splitlines()
            if 'error' in line]


def arrays(path, prefix='updater/'):
    with numpy.load(path) as f:
        return {key: f[key] for key in f.files if key.startswith(prefix)}


def read_log(out):
    with open(os.path.join(out, 'log')) as f:
        return json.load(f)


# Equal runs ---------------------------------------------------------------

CASES = {
    'vae': [VAE, '--test', '--epoch', '2', '--batch-size', '50',
            '--eval-size', '4', '--binarize', 'dynamic'],
    'avb': [AVB, '--test', '--epoch', '2', '--batch-size', '50',
            '--ais-size', '4'],
}


@needs_mpi
@pytest.mark.parametrize('case', sorted(CASES))
def test_two_ranks_with_half_the_batch_train_as_one_process(case, tmp_path):
    one, two = str(tmp_path / 'one'), str(tmp_path / 'two')
    flags = CASES[case]
    result = run(None, [WORKER] + flags + ['--out', one])
    assert result.returncode == 0, result.stderr
    result = run(2, [WORKER] + flags + ['--out', two,
                                        '--communicator', 'naive'])
    assert result.returncode == 0, result.stderr
    # The loss of every epoch (the mean over its iterations, each the
    # mean over both ranks) is the one process's, to float rounding. In
    # AVB the adversary's estimate feeds the encoder's loss, so the
    # rounding of the gradients (two halves summed, not one batch) grows
    # over the two epochs: 8e-4 relative on main/kl with NumPy 1.26 on
    # this project's machine of 2026-12-07 (under 1e-5 before).
    rel = {'vae': 1e-5, 'avb': 3e-3}[case]
    for a, b in zip(read_log(one), read_log(two)):
        for key in a:
            if key.startswith(('main/', 'adversary/')):
                assert b[key] == pytest.approx(a[key], rel=rel), key
    first = arrays(os.path.join(one, 'model.npz'), '')
    second = arrays(os.path.join(two, 'model.npz'), '')
    assert sorted(first) == sorted(second)
    # The weights likewise; AVB's, whose drift reached 3e-3 in a few
    # elements there, by each array's relative distance.
    for key in first:
        if case == 'vae':
            numpy.testing.assert_allclose(second[key], first[key],
                                          rtol=1e-4, atol=1e-4, err_msg=key)
        else:
            distance = numpy.linalg.norm(second[key] - first[key])
            assert distance <= 5e-2 * numpy.linalg.norm(first[key]) + 2e-3, \
                key
    with open(os.path.join(two, 'metrics.json')) as f:
        assert json.load(f)['processes'] == 2


@needs_mpi
def test_four_points_on_two_ranks_trains_as_one_process(tmp_path):
    one, two = str(tmp_path / 'one'), str(tmp_path / 'two')
    flags = [FOUR, '--test', '--method', 'avb', '--iteration', '60',
             '--batch-size', '64', '--snapshot-every', '60']
    assert run(None, [WORKER] + flags + ['--out', one]).returncode == 0
    result = run(2, [WORKER] + flags + ['--out', two,
                                        '--communicator', 'naive'])
    assert result.returncode == 0, result.stderr
    first = arrays(os.path.join(one, 'snapshot_iter_60.npz'),
                   'updater/model:')
    second = arrays(os.path.join(two, 'snapshot_iter_60.npz'),
                    'updater/model:')
    assert sorted(first) == sorted(second) and first
    for key in first:
        numpy.testing.assert_allclose(second[key], first[key], rtol=1e-4,
                                      atol=1e-5, err_msg=key)


@pytest.fixture(scope='module')
def straight(tmp_path_factory):
    """An uninterrupted AVB + AC run on two ranks, a snapshot per epoch."""
    if not _have_mpi():
        pytest.skip('needs the mpi extra')
    out = str(tmp_path_factory.mktemp('straight') / 'run')
    result = run(2, STRAIGHT + ['--out', out])
    assert result.returncode == 0, result.stderr
    return out


STRAIGHT = [AVB, '--test', '--epoch', '5', '--adaptive-contrast',
            '--ais-size', '4', '--keep-snapshots', '10',
            '--communicator', 'naive']


@needs_mpi
def test_weights_are_equal_on_every_rank_and_noise_streams_differ(straight):
    # Rank 1 writes nothing but its snapshots and its share's AIS progress.
    assert set(os.listdir(os.path.join(straight, 'rank1'))) == {
        'snapshot_iter_{}.npz'.format(6 * e) for e in (1, 2, 3, 4, 5)} | {
        'ais_progress.npz'}
    for epoch in (1, 5):
        name = 'snapshot_iter_{}.npz'.format(6 * epoch)
        root = arrays(os.path.join(straight, name), '')
        other = arrays(os.path.join(straight, 'rank1', name), '')
        shared = [key for key in root if key.startswith('updater/')]
        assert any('adversary' in key for key in shared)
        for key in shared:
            numpy.testing.assert_array_equal(root[key], other[key], key)
        noise = 'extensions/Snapshots/numpy_random/key'
        assert not numpy.array_equal(root[noise], other[noise])
        assert int(root['extensions/RankCount/ranks']) == 2
    # The ranks estimate side by side: the AIS took the slowest's seconds,
    # its start included (the files count from their opening).
    from vae_avb.evaluation import recorded_seconds
    with open(os.path.join(straight, 'metrics.json')) as f:
        seconds = json.load(f)['ais']['seconds']
    assert max(recorded_seconds(os.path.join(
        straight, folder, 'ais_progress.npz')) for folder in ('', 'rank1')) \
        <= seconds < 300


@needs_mpi
def test_resume_where_only_some_ranks_wrote_the_first_snapshot(
        straight, tmp_path):
    # A kill after rank 1 wrote its first snapshot and before rank 0 did:
    # --resume auto used to refuse the run ("no snapshot that every
    # process holds"); it starts afresh and ends as if never killed.
    out = tmp_path / 'killed'
    (out / 'rank1').mkdir(parents=True)
    shutil.copy(os.path.join(straight, 'rank1', 'snapshot_iter_6.npz'),
                str(out / 'rank1'))
    result = run(2, STRAIGHT + ['--out', str(out), '--resume', 'auto'])
    assert result.returncode == 0, result.stderr
    assert 'no snapshot that every process holds in' in result.stdout
    for name in ('model.npz', 'adversary.npz'):
        a = arrays(os.path.join(straight, name), '')
        b = arrays(os.path.join(str(out), name), '')
        for key in a:
            numpy.testing.assert_array_equal(a[key], b[key], key)


@needs_mpi
def test_resume_is_refused_when_a_rank_folder_is_gone(straight, tmp_path):
    # Rank 0's snapshots without rank 1's (its folder deleted, or on
    # another host's disk): refused, not started afresh over them.
    out = str(tmp_path / 'copy')
    shutil.copytree(straight, out)
    os.remove(os.path.join(out, 'metrics.json'))
    shutil.rmtree(os.path.join(out, 'rank1'))
    before = {name: os.path.getmtime(os.path.join(out, name))
              for name in os.listdir(out) if name.startswith('snapshot_')}
    result = run(2, STRAIGHT + ['--out', out, '--resume', 'auto'])
    assert result.returncode == 2
    assert 'no snapshot that every process holds reads back' in \
        result.stderr
    assert before == {name: os.path.getmtime(os.path.join(out, name))
                      for name in before}


@needs_mpi
def test_resume_after_a_kill_at_a_random_moment_equals_uninterrupted(
        straight, tmp_path):
    out = str(tmp_path / 'killed')
    process = subprocess.Popen(command(2, STRAIGHT + ['--out', out]),
                               stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, env=environment(),
                               cwd=ROOT, start_new_session=True)
    first = os.path.join(out, 'rank1', 'snapshot_iter_6.npz')
    deadline = time.time() + 240
    while not os.path.exists(first) and process.poll() is None and \
            time.time() < deadline:
        time.sleep(0.01)
    time.sleep(random.uniform(0, 1.0))
    os.killpg(process.pid, signal.SIGKILL)
    process.wait(60)
    result = run(2, STRAIGHT + ['--out', out, '--resume', 'auto'])
    assert result.returncode == 0, result.stderr
    for name in ('model.npz', 'adversary.npz'):
        a = arrays(os.path.join(straight, name), '')
        b = arrays(os.path.join(out, name), '')
        for key in a:
            numpy.testing.assert_array_equal(a[key], b[key], key)


@needs_mpi
def test_resume_from_a_named_snapshot_and_past_a_missing_one(
        straight, tmp_path):
    out = str(tmp_path / 'copy')
    shutil.copytree(straight, out)
    for name in ('metrics.json', 'model.npz', 'adversary.npz'):
        os.remove(os.path.join(out, name))
    # Rank 1 lost its newest two snapshots: auto takes epoch 3's.
    for epoch in (4, 5):
        os.remove(os.path.join(out, 'rank1', 'snapshot_iter_{}.npz'.format(
            6 * epoch)))
    # A file names rank 0's snapshot; rank 1 takes its own of that name,
    # which is missing here.
    missing = os.path.join(out, 'snapshot_iter_30.npz')
    result = run(2, STRAIGHT + ['--out', str(tmp_path / 'other'),
                                '--resume', missing])
    assert result.returncode == 2
    assert len(errors(result)) == 1
    assert 'rank 1: ' in result.stderr and os.path.join(
        out, 'rank1', 'snapshot_iter_30.npz') in result.stderr
    result = run(2, STRAIGHT + ['--out', out, '--resume', 'auto'])
    assert result.returncode == 0, result.stderr
    assert 'skipped the snapshots of iteration 30' in result.stderr
    assert 'iteration 18' in result.stdout
    for name in ('model.npz', 'adversary.npz'):
        a = arrays(os.path.join(straight, name), '')
        b = arrays(os.path.join(out, name), '')
        for key in a:
            numpy.testing.assert_array_equal(a[key], b[key], key)
    # And a named file: rank 1 takes its own snapshot of the same name.
    result = run(2, STRAIGHT + ['--out', str(tmp_path / 'named'), '--resume',
                                os.path.join(out, 'snapshot_iter_12.npz')])
    assert result.returncode == 0, result.stderr
    assert 'iteration 12' in result.stdout
    b = arrays(os.path.join(str(tmp_path / 'named'), 'model.npz'), '')
    for key, value in arrays(os.path.join(straight, 'model.npz'), '').items():
        numpy.testing.assert_array_equal(value, b[key], key)


@needs_mpi
def test_another_number_of_ranks_is_refused(straight, tmp_path):
    out = str(tmp_path / 'copy')
    shutil.copytree(straight, out)
    one = [flag for flag in STRAIGHT if flag not in ('--communicator',
                                                     'naive')]
    result = run(None, one + ['--out', out, '--resume', 'auto'])
    assert result.returncode == 2
    assert len(errors(result)) == 1
    assert 'trained on 2 ranks, this run has 1' in result.stderr
    # And a one-process run is not resumed on two ranks.
    single = str(tmp_path / 'single')
    result = run(None, [FOUR, '--test', '--method', 'vae', '--iteration',
                        '20', '--snapshot-every', '10', '--out', single])
    assert result.returncode == 0, result.stderr
    os.remove(os.path.join(single, 'metrics.json'))
    result = run(2, [FOUR, '--test', '--method', 'vae', '--iteration', '20',
                     '--snapshot-every', '10', '--out', single, '--resume',
                     'auto', '--communicator', 'naive'])
    assert result.returncode == 2
    assert len(errors(result)) == 1
    assert 'trained on 1 rank, this run has 2' in result.stderr


# Failures end every rank ---------------------------------------------------

LONG = [FOUR, '--test', '--method', 'avb', '--iteration', '200',
        '--batch-size', '64', '--snapshot-every', '50']


@needs_mpi
@pytest.mark.parametrize('kind,code,text', [
    ('memory', 1, 'error: rank 1: out of memory'),
    ('bug', 1, 'RuntimeError: injected failure on rank 1'),
])
def test_a_failing_rank_ends_the_run(kind, code, text, tmp_path):
    began = time.time()
    result = run(2, [WORKER, '--fault', '{}:1:30'.format(kind)] + LONG + [
        '--out', str(tmp_path / 'out'), '--communicator', 'naive'],
        timeout=120)
    assert result.returncode == code, result.stderr
    assert text in result.stderr
    assert time.time() - began < 100
    if kind == 'memory':
        assert len(errors(result)) == 1 and 'Traceback' not in result.stderr


@needs_mpi
def test_a_check_failing_on_one_rank_only_ends_every_rank(tmp_path):
    """Rank 1's node has too little memory: its flag check fails while
    rank 0's passes; rank 0 must not wait for rank 1 in MPI's start."""
    began = time.time()
    out = str(tmp_path / 'out')
    result = run(2, [WORKER, '--fault', 'small:1:0', VAE, '--test',
                     '--out', out, '--communicator', 'naive'], timeout=120)
    assert result.returncode == 2, result.stderr
    assert len(errors(result)) == 1
    assert 'error: rank 1: ' in result.stderr and 'GiB' in result.stderr
    assert time.time() - began < 100


@needs_mpi
def test_help_and_flag_errors_are_printed_once(tmp_path):
    result = run(2, [FOUR, '--help'], timeout=120)
    assert result.returncode == 0
    assert result.stdout.count('usage:') == 1
    result = run(2, [FOUR, '--iteration', '-3', '--communicator', 'naive'],
                 timeout=120)
    assert result.returncode == 2
    assert len(errors(result)) == 1 and 'rank' not in result.stderr


@needs_mpi
def test_nan_on_one_rank_stops_every_rank_in_one_line(tmp_path):
    out = str(tmp_path / 'out')
    result = run(2, [WORKER, '--fault', 'nan:1:300'] + LONG + [
        '--out', out, '--communicator', 'naive'], timeout=120)
    assert result.returncode == 1, result.stderr
    assert len(errors(result)) == 1
    assert 'is nan' in result.stderr and 'Traceback' not in result.stderr
    # The snapshots written before are kept, on both ranks.
    assert os.path.exists(os.path.join(out, 'snapshot_iter_50.npz'))
    assert os.path.exists(os.path.join(out, 'rank1', 'snapshot_iter_50.npz'))


@needs_mpi
def test_skip_nonfinite_skips_the_step_on_every_rank(tmp_path):
    out = str(tmp_path / 'out')
    result = run(2, [WORKER, '--fault', 'nan:1:300'] + LONG + [
        '--out', out, '--communicator', 'naive', '--skip-nonfinite'],
        timeout=120)
    assert result.returncode == 0, result.stderr
    assert 'rank 1: ' in result.stderr
    # Every rank skipped the batch; rank 0 alone says so.
    assert result.stderr.count('batch skipped') == 1
    root = arrays(os.path.join(out, 'snapshot_iter_200.npz'))
    other = arrays(os.path.join(out, 'rank1', 'snapshot_iter_200.npz'))
    for key in root:
        numpy.testing.assert_array_equal(root[key], other[key], key)
        assert numpy.isfinite(root[key]).all()


def _rank_process(marker, rank):
    """The pid of the python process of ``rank`` whose command line holds
    ``marker``, or None."""
    for pid in os.listdir('/proc'):
        if not pid.isdigit():
            continue
        try:
            with open('/proc/{}/cmdline'.format(pid), 'rb') as f:
                cmdline = f.read().decode(errors='replace')
            with open('/proc/{}/environ'.format(pid), 'rb') as f:
                env = f.read().split(b'\0')
        except OSError:
            continue
        if marker in cmdline and 'mpiexec' not in cmdline and \
                'PMI_RANK={}'.format(rank).encode() in env:
            return int(pid)
    return None


def _signal_rank_one(out, signum):
    """Starts a long four-point run on two ranks, sends ``signum`` to
    rank 1 once it has written a snapshot; returns ``(status, stderr)``
    (``subprocess.TimeoutExpired`` if the run hangs)."""
    flags = [FOUR, '--test', '--method', 'avb', '--iteration', '1000000',
             '--snapshot-every', '100', '--out', out, '--communicator',
             'naive']
    process = subprocess.Popen(command(2, flags), stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE, text=True,
                               env=environment(), cwd=ROOT,
                               start_new_session=True)
    try:
        snapshot = os.path.join(out, 'rank1', 'snapshot_iter_100.npz')
        deadline = time.time() + 240
        while not os.path.exists(snapshot) and time.time() < deadline:
            time.sleep(0.05)
        pid = _rank_process(out, 1)
        assert pid is not None
        os.kill(pid, signum)
        _, stderr = process.communicate(timeout=60)
        return process.returncode, stderr
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


@needs_mpi
def test_a_killed_rank_ends_the_run(tmp_path):
    status, _ = _signal_rank_one(str(tmp_path / 'out'), signal.SIGKILL)
    assert status != 0


@needs_mpi
def test_a_signal_to_one_rank_ends_the_run_in_one_line(tmp_path):
    status, stderr = _signal_rank_one(str(tmp_path / 'out'), signal.SIGTERM)
    assert status == 130
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and 'rank 1: interrupted' in lines[0], stderr


# Bad input -------------------------------------------------------------------

@needs_mpi
@pytest.mark.parametrize('script,flags,text', [
    (FOUR, ['--batch-size', '101', '--communicator', 'naive'],
     '--batch-size 101 does not split over 2 processes'),
    (FOUR, [], 'started as 2 processes (mpiexec -n 2) without '
     '--communicator'),
    (FOUR, ['--communicator', 'pure_nccl'], 'moves GPU arrays'),
    (FOUR, ['--communicator', 'bogus'], "invalid choice: 'bogus'"),
    (AVB, ['--batch-size', '2', '--adaptive-contrast', '--communicator',
           'naive'], 'give a --batch-size of at least 4'),
    (VAE, ['--plain', '--communicator', 'naive'],
     '--plain is the one-process reference path'),
])
def test_bad_flags_end_in_one_line(script, flags, text, tmp_path):
    result = run(2, [script, '--test', '--out', str(tmp_path / 'out')] +
                 flags, timeout=120)
    assert result.returncode == 2, result.stderr
    assert len(errors(result)) == 1, result.stderr
    assert text in result.stderr
    assert not os.path.exists(os.path.join(str(tmp_path / 'out'),
                                           'metrics.json'))


@needs_mpi
def test_a_folder_one_rank_cannot_use_is_refused_on_every_rank(tmp_path):
    out = tmp_path / 'out'
    out.mkdir()
    (out / 'rank1').write_text('a file where rank 1 keeps its snapshots')
    result = run(2, [FOUR, '--test', '--out', str(out), '--communicator',
                     'naive'], timeout=120)
    assert result.returncode == 2, result.stderr
    assert len(errors(result)) == 1
    assert 'rank 1: --out' in result.stderr and 'is a file' in \
        result.stderr


@needs_mpi
def test_a_test_set_smaller_than_the_ranks_is_refused(tmp_path):
    data = str(tmp_path / 'tiny.npz')
    rng = numpy.random.RandomState(0)
    numpy.savez(data, train=rng.uniform(size=(40, 28, 28)),
                test=rng.uniform(size=(1, 28, 28)))
    out = str(tmp_path / 'out')
    result = run(2, [VAE, '--data', data, '--batch-size', '10', '--epoch',
                     '1', '--out', out, '--communicator', 'naive'],
                 timeout=120)
    assert result.returncode == 2, result.stderr
    assert len(errors(result)) == 1
    assert 'the 1 test images do not split over 2 processes' in \
        result.stderr
    assert not os.path.exists(out)


@needs_mpi
def test_one_process_with_a_communicator_trains_as_without(tmp_path):
    flags = [VAE, '--test', '--eval-size', '4']
    result = run(None, flags + ['--out', str(tmp_path / 'with'),
                                '--communicator', 'naive'])
    assert result.returncode == 0, result.stderr
    assert run(None, flags + ['--out', str(tmp_path / 'without')]
               ).returncode == 0
    assert not os.path.exists(str(tmp_path / 'with' / 'rank1'))
    a = arrays(str(tmp_path / 'with' / 'model.npz'), '')
    b = arrays(str(tmp_path / 'without' / 'model.npz'), '')
    for key in a:
        numpy.testing.assert_array_equal(a[key], b[key], key)


@needs_mpi
def test_adaptive_contrast_evaluates_shares_with_a_tail_of_one(tmp_path):
    """Each rank's 50 test images in batches of 49 would leave a batch of
    one, over which adaptive contrast cannot estimate its moments."""
    result = run(2, [AVB, '--test', '--batch-size', '98',
                     '--adaptive-contrast', '--ais-size', '4', '--out',
                     str(tmp_path / 'out'), '--communicator', 'naive'])
    assert result.returncode == 0, result.stderr


def test_evaluation_batch_size_leaves_no_batch_too_small():
    from vae_avb.experiment import evaluation_batch_size
    assert evaluation_batch_size(50, 49, 2) == 50
    assert evaluation_batch_size(2500, 7, 2) == 8
    assert evaluation_batch_size(10000, 3, 1) == 3
    assert evaluation_batch_size(10, 100, 2) == 100
    for n in range(2, 60):
        for batch in range(1, 30):
            size = evaluation_batch_size(n, batch, 2)
            assert size >= batch and (n % size == 0 or n % size >= 2 or
                                      n <= size)


@needs_mpi
def test_a_full_disk_on_one_rank_ends_every_rank_in_one_line(tmp_path):
    result = run(2, [WORKER, '--fault', 'full:1:0'] + LONG + [
        '--out', str(tmp_path / 'out'), '--communicator', 'naive'],
        timeout=120)
    assert result.returncode == 1, result.stderr
    assert len(errors(result)) == 1 and 'Traceback' not in result.stderr
    assert 'rank 1: No space left on device' in result.stderr


@needs_mpi
def test_a_refused_fresh_start_adds_nothing_to_the_folder(tmp_path):
    out = str(tmp_path / 'done')
    flags = [FOUR, '--test', '--method', 'vae', '--out', out]
    assert run(None, flags).returncode == 0
    before = sorted(os.listdir(out))
    result = run(2, flags + ['--communicator', 'naive'], timeout=120)
    assert result.returncode == 2
    assert len(errors(result)) == 1 and 'already holds' in result.stderr
    assert sorted(os.listdir(out)) == before


@needs_mpi
def test_another_ranks_snapshot_named_is_refused(straight, tmp_path):
    result = run(2, STRAIGHT + ['--out', str(tmp_path / 'out'), '--resume',
                                os.path.join(straight, 'rank1',
                                             'snapshot_iter_6.npz')])
    assert result.returncode == 2
    assert len(errors(result)) == 1
    assert "is another rank's snapshot" in result.stderr
    assert 'Warning' not in result.stderr


def test_communicator_without_mpi4py_names_the_extra(monkeypatch):
    from vae_avb.experiment import start_ranks
    monkeypatch.setitem(sys.modules, 'mpi4py', None)
    monkeypatch.setitem(sys.modules, 'mpi4py.MPI', None)

    class Args(object):
        communicator = 'naive'
        device = chainer.get_device('@numpy')
        batch_size = 100
    with pytest.raises(UsageError, match=r'pip install "vae_avb\[mpi\]"'):
        start_ranks(Args())


# ShardIterator -----------------------------------------------------------

def test_shards_together_are_the_global_batches():
    data = numpy.arange(70.).reshape(35, 2)
    whole = ArrayIterator(data, 10, seed=3)
    with pytest.raises(ValueError, match='does not split over 3 ranks'):
        ShardIterator(ArrayIterator(data, 10, seed=3), 0, 3)
    shards = [ShardIterator(ArrayIterator(data, 10, seed=3), rank, 2)
              for rank in range(2)]
    assert shards[0].batch_size == 5
    for _ in range(9):  # Across epoch ends (35 is not a multiple of 10).
        expected = whole.next()
        got = [shard.next() for shard in shards]
        numpy.testing.assert_array_equal(numpy.concatenate(got), expected)
        for shard in shards:
            assert shard.epoch == whole.epoch
            assert shard.is_new_epoch == whole.is_new_epoch
            assert shard.epoch_detail == whole.epoch_detail


def test_a_shard_resumes_with_its_iterator():
    data = numpy.arange(40.).reshape(20, 2)
    shard = ShardIterator(ArrayIterator(data, 4, seed=1), 1, 2)
    for _ in range(7):
        shard.next()
    state = {}
    shard.serialize(chainer.serializers.DictionarySerializer(state))
    again = ShardIterator(ArrayIterator(data, 4, seed=1), 1, 2)
    chainer.serializers.NpzDeserializer(state).load(again)
    for _ in range(6):
        numpy.testing.assert_array_equal(again.next(), shard.next())


@pytest.mark.parametrize('rank,size', [(-1, 2), (2, 2), (0, 0), (0, 1.5),
                                       ('0', 2)])
def test_shard_ranks_are_checked(rank, size):
    with pytest.raises((ValueError, TypeError)):
        ShardIterator(ArrayIterator(numpy.zeros((4, 1)), 2), rank, size)


# MeanOverRanks -------------------------------------------------------------

class _TwoRanks(object):
    """A communicator of two ranks whose other rank reported ``other``."""

    size = 2

    def __init__(self, other):
        self.other = other
        self.mpi_comm = self

    def Allreduce(self, send, receive):
        receive[...] = send + self.other


class _Trainer(object):

    def __init__(self, observation):
        self.observation = observation
        self.out = 'out'

        class Updater(object):
            iteration = 7
        self.updater = Updater()


def test_mean_over_ranks_averages_numbers_variables_and_arrays():
    from vae_avb.training.multi_node import MeanOverRanks
    trainer = _Trainer({'main/loss': chainer.Variable(
        numpy.array(3., numpy.float32)),
                        'main/kl': 1.5,
                        'main/vector': numpy.array([1., 2.], numpy.float32)})
    # The other rank's values, in the order of the sorted keys.
    MeanOverRanks(_TwoRanks(numpy.array([0.5, 5., 4., 6.])))(trainer)
    assert trainer.observation['main/kl'] == 1.0
    assert trainer.observation['main/loss'] == 4.0
    numpy.testing.assert_array_equal(trainer.observation['main/vector'],
                                     [2.5, 4.])


def test_mean_over_ranks_stops_every_rank_on_a_nan_elsewhere():
    from vae_avb.training import NonFiniteLossError
    from vae_avb.training.multi_node import MeanOverRanks
    trainer = _Trainer({'main/loss': 3.0})
    with pytest.raises(NonFiniteLossError, match='iteration 7: main/loss is '
                       'nan') as raised:
        MeanOverRanks(_TwoRanks(numpy.array([numpy.nan])))(trainer)
    assert raised.value.on_every_rank
