"""Atomic snapshots, keep-last-N, safe loading, global random state."""
import os
import signal
import subprocess
import sys
import textwrap

import numpy
import pytest

import chainer
from chainer import training

from vae_avb.datasets import FourPointsIterator
from vae_avb.datasets import send_array
from vae_avb.links import VAE
from vae_avb.losses import ELBOLoss
from vae_avb.optimizers import Adam
from vae_avb.training import CorruptSnapshotError
from vae_avb.training import load_latest_snapshot
from vae_avb.training import load_snapshot
from vae_avb.training import save_atomic
from vae_avb.training import SnapshotError
from vae_avb.training import Snapshots
from vae_avb.training.snapshots import list_snapshots
from vae_avb.training.snapshots import remove_stale_temporaries

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))


def model(n_hidden=8):
    return VAE.mlp(4, 2, n_hidden)


def trainer_for(out, stop=12, interval=(4, 'iteration'), keep=3, seed=0):
    numpy.random.seed(seed)
    loss = ELBOLoss(model())
    optimizer = Adam(1e-2)
    optimizer.setup(loss)
    updater = training.updaters.StandardUpdater(
        FourPointsIterator(16, seed=seed, as_array=True), optimizer,
        converter=send_array)
    trainer = training.Trainer(updater, (stop, 'iteration'), str(out))
    trainer.extend(Snapshots(interval, (stop, 'iteration'), keep))
    return trainer


def arrays(path):
    """A snapshot's entries, without the wall-clock ones."""
    with numpy.load(path, allow_pickle=False) as f:
        return {key: f[key] for key in f.files
                if 'elapsed_time' not in key and 'LogReport' not in key}


def test_round_trip_and_readable_by_chainer(tmp_path):
    source, target = model(), model()
    path = str(tmp_path / 'm.npz')
    save_atomic(path, source)
    load_snapshot(path, target)
    for (name, a), (_, b) in zip(sorted(source.namedparams()),
                                 sorted(target.namedparams())):
        numpy.testing.assert_array_equal(a.array, b.array, err_msg=name)
    other = model()
    chainer.serializers.load_npz(path, other)  # Chainer's own format.
    umask = os.umask(0)
    os.umask(umask)
    assert os.stat(path).st_mode & 0o777 == 0o666 & ~umask
    assert os.listdir(str(tmp_path)) == ['m.npz']


def test_refuses_to_pickle(tmp_path):
    class Holder(chainer.Link):
        def serialize(self, serializer):
            serializer('thing', numpy.array([{}], dtype=object))

    with pytest.raises(TypeError, match='pickling'):
        save_atomic(str(tmp_path / 'x.npz'), Holder())
    assert os.listdir(str(tmp_path)) == []


def test_loading_never_unpickles(tmp_path):
    path = str(tmp_path / 'evil.npz')
    entries = chainer.serializers.npz.serialize(model())
    first = sorted(entries)[0]
    entries[first] = numpy.array([object()], dtype=object)
    numpy.savez(path, **entries)
    with pytest.raises(CorruptSnapshotError, match='pickled'):
        load_snapshot(path, model())


def test_errors_name_the_problem(tmp_path):
    with pytest.raises(SnapshotError, match='does not exist'):
        load_snapshot(str(tmp_path / 'none.npz'), model())
    torn = tmp_path / 'torn.npz'
    save_atomic(str(torn), model())
    torn.write_bytes(torn.read_bytes()[:300])
    with pytest.raises(CorruptSnapshotError, match='is damaged or not an .npz '
                       'archive'):
        load_snapshot(str(torn), model())
    good = str(tmp_path / 'good.npz')
    save_atomic(good, model(8))
    with pytest.raises(SnapshotError, match='does not match') as info:
        load_snapshot(good, model(5))
    assert not isinstance(info.value, CorruptSnapshotError)
    assert '\n' not in str(info.value)
    # A single .npy array under a snapshot's name is no snapshot.
    single = str(tmp_path / 'single.npz')
    with open(single, 'wb') as f:
        numpy.save(f, numpy.arange(3.))
    with pytest.raises(CorruptSnapshotError, match='not an .npz archive') as e:
        load_snapshot(single, model())
    assert '\n' not in str(e.value)


def test_keeps_the_newest_by_iteration_not_by_name(tmp_path):
    # snapshot_iter_10 sorts before snapshot_iter_9 by name, and files
    # written within the clock's resolution tie on mtime.
    trainer = trainer_for(tmp_path, stop=12, interval=(1, 'iteration'),
                          keep=2)
    trainer.run()
    assert [i for i, _ in list_snapshots(str(tmp_path))] == [11, 12]


def test_interval_in_epochs_and_at_the_end(tmp_path):
    trainer = trainer_for(tmp_path, stop=10, interval=(4, 'iteration'),
                          keep=10)
    trainer.run()
    assert [i for i, _ in list_snapshots(str(tmp_path))] == [4, 8, 10]

    class Fake(object):
        pass

    fake = Fake()
    fake.updater = Fake()
    snapshots = Snapshots((2, 'epoch'), (5, 'epoch'))
    due = []
    for epoch in range(1, 6):
        fake.updater.is_new_epoch, fake.updater.epoch = True, epoch
        due.append(snapshots.due(fake))
    fake.updater.is_new_epoch = False
    assert due == [False, True, False, True, True]
    assert not snapshots.due(fake)


@pytest.mark.parametrize('bad', [(0, 'iteration'), (3, 'minute'), (2,)])
def test_bad_interval(bad):
    with pytest.raises(ValueError, match='interval'):
        Snapshots(bad)
    with pytest.raises(ValueError, match='keep'):
        Snapshots((1, 'epoch'), keep=0)


def test_resume_is_bit_identical_including_global_noise(tmp_path):
    # The VAE's noise comes from NumPy's global generator; the snapshot
    # carries it, so the resumed run draws what the straight run drew.
    straight = trainer_for(tmp_path / 'a', stop=12, keep=10)
    straight.run()
    first = trainer_for(tmp_path / 'b', stop=8, keep=10)
    first.run()
    numpy.random.seed(12345)  # A new process would not share the state.
    resumed = trainer_for(tmp_path / 'b', stop=12, keep=10, seed=7)
    load_snapshot(str(tmp_path / 'b' / 'snapshot_iter_8.npz'), resumed)
    resumed.run()
    want = arrays(str(tmp_path / 'a' / 'snapshot_iter_12.npz'))
    got = arrays(str(tmp_path / 'b' / 'snapshot_iter_12.npz'))
    assert sorted(want) == sorted(got)
    assert any('numpy_random' in key for key in want)
    for key in want:
        numpy.testing.assert_array_equal(got[key], want[key], err_msg=key)


def test_latest_valid_skips_torn_files(tmp_path, capsys):
    trainer = trainer_for(tmp_path, stop=8, keep=10)
    trainer.run()
    newest = tmp_path / 'snapshot_iter_8.npz'
    newest.write_bytes(newest.read_bytes()[:1000])
    fresh = trainer_for(tmp_path / 'other', stop=8)
    path = load_latest_snapshot(str(tmp_path), fresh)
    assert path == str(tmp_path / 'snapshot_iter_4.npz')
    assert fresh.updater.iteration == 4
    assert 'skipped' in capsys.readouterr().err


KILLED_WRITER = textwrap.dedent('''
    import os, signal, sys
    import numpy
    from vae_avb.links import VAE
    from vae_avb.training import save_atomic
    import vae_avb.training.snapshots as snapshots

    path = sys.argv[1]
    save_atomic(path, VAE.mlp(4, 2, 8))   # The good, previous snapshot.
    real_savez = numpy.savez

    def savez_then_die(f, **arrays):
        # Write part of the new file, then die as kill -9 would.
        real_savez(f, **dict(list(arrays.items())[:2]))
        f.flush()
        os.kill(os.getpid(), signal.SIGKILL)

    snapshots.numpy.savez = savez_then_die
    numpy.random.seed(1)
    save_atomic(path, VAE.mlp(4, 2, 8))
''')


def test_kill_during_a_write_leaves_the_previous_snapshot(tmp_path):
    path = str(tmp_path / 'snapshot_iter_5.npz')
    result = subprocess.run([sys.executable, '-c', KILLED_WRITER, path],
                            cwd=ROOT, stderr=subprocess.PIPE)
    assert result.returncode == -signal.SIGKILL, result.stderr
    names = sorted(os.listdir(str(tmp_path)))
    assert names[-1] == 'snapshot_iter_5.npz' and len(names) == 2
    assert names[0].endswith('.tmp')  # The torn temporary, not the file.
    restored = model()
    load_snapshot(path, restored)  # Reads back whole.
    remove_stale_temporaries(str(tmp_path))
    assert os.listdir(str(tmp_path)) == ['snapshot_iter_5.npz']


def test_an_archive_too_large_to_unpack_is_corrupt(tmp_path, monkeypatch):
    from vae_avb.utils import archive
    path = str(tmp_path / 'model.npz')
    link = chainer.links.Linear(30, 20)
    save_atomic(path, link)
    # As if the machine had 1 KiB free: the archive's 620 floats unpack to
    # more than half of it.
    monkeypatch.setattr(archive, 'available_memory', lambda: 1024)
    with pytest.raises(CorruptSnapshotError, match=r'would unpack to .* '
                       r'more than half the memory available'):
        load_snapshot(path, chainer.links.Linear(30, 20))
    monkeypatch.setattr(archive, 'available_memory', lambda: None)
    other = chainer.links.Linear(30, 20)
    load_snapshot(path, other)
    numpy.testing.assert_array_equal(other.W.array, link.W.array)


def test_snapshot_members_are_sorted(tmp_path):
    import zipfile
    path = str(tmp_path / 'model.npz')
    save_atomic(path, VAE.mlp(4, 2, 8))
    with zipfile.ZipFile(path) as z:
        names = z.namelist()
    assert names == sorted(names)


def test_an_entry_that_would_broadcast_is_refused(tmp_path):
    # (1, n) stored where (m, n) is expected: NumPy's copy would spread
    # the one row over all m.
    path = str(tmp_path / 'm.npz')
    save_atomic(path, model())
    entries = arrays(path)
    key = next(k for k, v in sorted(entries.items()) if v.ndim == 2)
    entries[key] = entries[key][:1]
    numpy.savez(path, **entries)
    with pytest.raises(SnapshotError, match=r'entry {} has shape \(1, '
                       .format(key)):
        load_snapshot(path, model())


def state(trainer):
    # A trainer that has not run cannot be serialized whole (its elapsed
    # time is undefined); its updater (model, optimizer, iterator) and
    # its extensions can.
    parts = [('updater', trainer.updater)] + [
        (name, entry.extension)
        for name, entry in sorted(trainer._extensions.items())]
    return {name + '/' + key: numpy.array(value)
            for name, part in parts
            for key, value in chainer.serializers.npz.serialize(part).items()}


CRAFTED_STATES = [
    lambda a: numpy.array(['text'] * a.size).reshape(a.shape),  # text
    lambda a: a[:1],  # an Adam state of another shape than its parameter
    lambda a: a.astype(numpy.int32),  # integers
]


@pytest.mark.parametrize('craft', CRAFTED_STATES)
def test_a_trainer_refused_part_way_is_left_as_it_was(
        tmp_path, craft, capsys):
    # Every snapshot holds a crafted entry late in the file: the entries
    # before it were already copied in when it was refused. Nothing is
    # loaded, and the trainer starts afresh exactly as a fresh one would
    # (a fresh optimizer takes its states as stored: they are checked
    # against their parameters).
    trainer_for(tmp_path, stop=8, keep=10).run()
    for _, path in list_snapshots(str(tmp_path)):
        with numpy.load(path, allow_pickle=False) as f:
            entries = {key: f[key] for key in f.files}
        key = sorted(k for k in entries if k.startswith('updater/'))[-1]
        assert key.endswith('/head/b/v')
        entries[key] = craft(entries[key])
        numpy.savez(path, **entries)
    fresh = trainer_for(tmp_path / 'other', stop=8)
    before = state(fresh)
    assert load_latest_snapshot(str(tmp_path), fresh) is None
    assert capsys.readouterr().err.count('head/b/v') == 2
    after = state(fresh)
    assert sorted(before) == sorted(after)
    for key in before:
        numpy.testing.assert_array_equal(before[key], after[key],
                                         err_msg=key)


class LazyLoss(chainer.Chain):
    def __init__(self):
        super(LazyLoss, self).__init__()
        with self.init_scope():
            self.first = chainer.links.Linear(None, 3)
            self.second = chainer.links.Linear(3, 2)


def test_lazy_parameters_are_left_unmade_by_a_refused_file(tmp_path):
    source = LazyLoss()
    source.first(numpy.ones((1, 4), numpy.float32))
    path = str(tmp_path / 'm.npz')
    save_atomic(path, source)
    entries = arrays(path)
    entries['second/b'] = numpy.array(['a', 'b'])
    numpy.savez(path, **entries)
    target = LazyLoss()
    with pytest.raises(CorruptSnapshotError, match='second/b'):
        load_snapshot(path, target)
    assert target.first.W.array is None


def test_a_corrupt_random_state_is_a_corrupt_snapshot(tmp_path, capsys):
    # Not "does not match this model": an older snapshot is tried.
    trainer_for(tmp_path, stop=8, keep=10).run()
    newest = str(tmp_path / 'snapshot_iter_8.npz')
    with numpy.load(newest, allow_pickle=False) as f:
        entries = {key: f[key] for key in f.files}
    key = next(k for k in entries if k.endswith('numpy_random/pos'))
    entries[key] = numpy.asarray(700)
    numpy.savez(newest, **entries)
    fresh = trainer_for(tmp_path / 'other', stop=8)
    assert load_latest_snapshot(str(tmp_path), fresh) == \
        str(tmp_path / 'snapshot_iter_4.npz')
    assert 'is not a Mersenne Twister state (the position 700)' in \
        capsys.readouterr().err


def test_files_numbered_beyond_the_run_never_prune_its_snapshots(tmp_path):
    # Damaged snapshots numbered 997 to 999 (skipped by the resume), a
    # folder and a FIFO: pruning ranked them newest, so every snapshot the
    # run wrote was deleted as soon as it was written (a kill then left
    # nothing to resume from), and the folder stopped the run.
    trainer = trainer_for(tmp_path, stop=4, interval=(2, 'iteration'),
                          keep=2)
    trainer.run()
    for n in (997, 998, 999):
        (tmp_path / 'snapshot_iter_{}.npz'.format(n)).write_bytes(b'torn')
    (tmp_path / 'snapshot_iter_1.npz').mkdir()
    os.mkfifo(str(tmp_path / 'snapshot_iter_996.npz'))
    resumed = trainer_for(tmp_path, stop=12, interval=(2, 'iteration'),
                          keep=2)
    assert load_latest_snapshot(str(tmp_path), resumed).endswith(
        'snapshot_iter_4.npz')
    resumed.run()
    names = sorted(os.listdir(str(tmp_path)))
    assert [n for n in names if n.startswith('snapshot_iter_')] == [
        'snapshot_iter_1.npz', 'snapshot_iter_10.npz',
        'snapshot_iter_12.npz', 'snapshot_iter_996.npz',
        'snapshot_iter_997.npz', 'snapshot_iter_998.npz',
        'snapshot_iter_999.npz']
    again = trainer_for(tmp_path / 'again', stop=12)
    assert load_latest_snapshot(str(tmp_path), again).endswith(
        'snapshot_iter_12.npz')


def logged_trainer(out, stop=8):
    trainer = trainer_for(out, stop=stop, keep=10)
    trainer.extend(training.extensions.LogReport(trigger=(4, 'iteration')))
    return trainer


@pytest.mark.parametrize('key, value, said', [
    ('_snapshot_elapsed_time', -1e9, 'the elapsed time is'),
    ('_snapshot_elapsed_time', 1e308, 'the elapsed time is'),
    ('extensions/LogReport/_log', '5', 'the training log is not'),
    ('extensions/LogReport/_log', '{}', 'the training log is not'),
    ('extensions/LogReport/_log', '[1, 2]', 'the training log is not'),
    ('extensions/LogReport/_log', 'null', 'the training log is not'),
    ('extensions/LogReport/_log', '[{"iteration": "x"}]',
     'the training log is not'),
    ('extensions/LogReport/_log', '[{"epoch": -3}]', 'the epoch of a log'),
    ('extensions/LogReport/_log', '[' * 100000, 'nested too deeply'),
    ('updater/iterator:main/iteration', -10 ** 9, 'the iteration of '
     "iterator 'main'"),
    ('updater/iterator:main/epoch', -7, "the epoch of iterator 'main'"),
])
def test_crafted_trainer_state_is_a_corrupt_snapshot(tmp_path, capsys, key,
                                                     value, said):
    # These loaded: train_seconds came out negative, the next report of
    # Chainer's LogReport raised a traceback, deep JSON a RecursionError.
    logged_trainer(tmp_path).run()
    newest = str(tmp_path / 'snapshot_iter_8.npz')
    with numpy.load(newest, allow_pickle=False) as f:
        entries = {k: f[k] for k in f.files}
    assert key in entries
    entries[key] = numpy.asarray(value)
    numpy.savez(newest, **entries)
    fresh = logged_trainer(tmp_path / 'other')
    with pytest.raises(CorruptSnapshotError, match=r'^snapshot .* is '
                       r'corrupt or not a snapshot \(.*' + said):
        load_snapshot(newest, fresh)
    assert fresh.updater.iteration == 0
    # And a resume goes on from the snapshot before it.
    assert load_latest_snapshot(str(tmp_path), fresh) == \
        str(tmp_path / 'snapshot_iter_4.npz')
    fresh.run()
    assert fresh.updater.iteration == 8
