"""Output folders: preparing and locking ``--out``, and the resume
policy."""
import errno
import fcntl
import functools
import os
import tempfile

from vae_avb.experiment.errors import UsageError
from vae_avb.experiment.metrics import METRICS
from vae_avb.training import load_latest_snapshot
from vae_avb.training import load_snapshot
from vae_avb.training import SnapshotError
from vae_avb.training.snapshots import list_snapshots


# realpath of a locked folder -> the descriptor holding its lock.
_LOCKS = {}
# The folders prepare_out created in this process, each as the tuple of
# the absolute paths it made, the deepest first.
_CREATED = set()


def prepare_out(out):
    """Creates ``out`` if needed, checks that files can be written there
    and locks it for this process: one writer per folder.

    The lock (``fcntl.flock`` on the folder itself; no file is added) is
    held until the process ends or the :func:`script_main` that took it
    returns; the system drops it when the process dies, even by
    ``kill -9``, so a killed run never leaves its folder locked.

    A folder it creates is removed again by :func:`script_main` when the
    script fails before writing anything there (a refused ``--resume``,
    a memory check), so a refusal leaves no empty ``--out`` behind (with
    several ranks, best effort: rank 0's may stay when another rank
    removes its own folder in it after rank 0 tried).

    Raises:
        UsageError: ``out`` is a file, cannot be created, is not writable
            or is in use by another process. Nothing in it is changed.
    """
    if os.path.exists(out) and not os.path.isdir(out):
        raise UsageError('--out {} is a file, not a folder; give a folder '
                         'path'.format(out))
    try:
        made = []
        folder = os.path.abspath(out)
        while not os.path.lexists(folder):
            made.append(folder)
            folder = os.path.dirname(folder)
        os.makedirs(out, exist_ok=True)
        if made:
            _CREATED.add(tuple(made))
        with tempfile.TemporaryFile(dir=out):
            pass
    except OSError as e:
        raise UsageError('--out {} is not writable ({}); choose a folder you '
                         'can write to'.format(out, e.strerror or e))
    lock_out(out)


def lock_out(out):
    """Takes the writer lock of the folder ``out`` for this process (again:
    no-op).

    Raises:
        UsageError: Another process holds it.
    """
    key = os.path.realpath(out)
    if key in _LOCKS:
        return
    try:
        fd = os.open(out, os.O_RDONLY | os.O_DIRECTORY)
    except OSError as e:
        raise UsageError('--out {} cannot be opened ({}); give a folder you '
                         'can write to'.format(out, e.strerror or e))
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as e:
        os.close(fd)
        if e.errno not in (errno.EWOULDBLOCK, errno.EACCES, errno.EAGAIN):
            raise UsageError('--out {} cannot be locked ({}); choose a '
                             'local folder'.format(out, e.strerror or e))
        raise UsageError('--out {} is in use by another running process; '
                         'wait for it to end, or choose another --out'.format(
                             out))
    _LOCKS[key] = fd


def release_out(out):
    """Releases ``out``'s writer lock if this process holds it."""
    fd = _LOCKS.pop(os.path.realpath(out), None)
    if fd is not None:
        os.close(fd)  # Closing the only descriptor drops the lock.


def script_main(main):
    """Decorates a script's ``main(argv)``: the ``--out`` locks it takes
    are released when it returns or raises, so a program (or a test) can
    call several scripts' ``main`` one after another on one folder; when
    it raises, the ``--out`` folders it created and left empty are
    removed."""
    @functools.wraps(main)
    def wrapped(*args, **kwargs):
        held = set(_LOCKS)
        created = set(_CREATED)
        failed = True
        try:
            result = main(*args, **kwargs)
            failed = False
            return result
        finally:
            new = set(_CREATED) - created
            _CREATED.difference_update(new)
            for key in set(_LOCKS) - held:
                release_out(key)
            if failed:
                for made in new:
                    _remove_if_empty(made)
    return wrapped


def _remove_if_empty(made):
    """Removes the folders ``made`` (deepest first) while they hold
    nothing."""
    for folder in made:
        try:
            os.rmdir(folder)  # Refused (OSError) unless empty.
        except OSError:
            return


def resume(trainer, spec):
    """Loads the snapshot ``--resume`` names into ``trainer``.

    ``spec`` is ``None`` (start afresh: refused when ``trainer.out``
    already holds snapshots, which the new run would mix with and prune,
    or a finished run's ``metrics.json`` or ``model.npz``),
    ``'auto'`` (the newest snapshot in ``trainer.out`` that reads back;
    a fresh start when there is none) or a file (one of another folder
    is refused as a fresh start would be).

    Returns:
        str or None: The snapshot loaded.

    Raises:
        UsageError: The snapshot is missing, corrupt or was written by a
            model of other sizes, or a fresh start would mix runs.
    """
    try:
        if spec is None:
            _refuse_another_run(trainer.out, 'add --resume to continue '
                                'that run, or choose another --out')
            return None
        if spec == 'auto':
            path = load_latest_snapshot(trainer.out, trainer)
            if path is None:
                if list_snapshots(trainer.out):
                    raise UsageError(
                        'no snapshot in {} reads back (all are corrupt); '
                        'move them away to start afresh'.format(trainer.out))
                print('no snapshot in {}; starting afresh'.format(
                    trainer.out))
                return None
        else:
            path = spec
            load_snapshot(path, trainer)
            if os.path.dirname(os.path.realpath(path)) != \
                    os.path.realpath(trainer.out):
                # A snapshot of another folder starts a run here: it
                # would overwrite a finished run's results, or prune and
                # mix with another run's snapshots (nothing is written
                # before this).
                _refuse_another_run(trainer.out, 'give an --out of its own '
                                    'to the run resumed from {}'.format(path))
    except SnapshotError as e:
        raise UsageError(str(e))
    print('resumed from {} (iteration {})'.format(
        path, trainer.updater.iteration))
    return path


def _refuse_another_run(out, fix):
    """Raises UsageError when ``out`` holds another run's snapshots or a
    finished run's results, which a run starting there would prune or
    overwrite; ``fix`` ends the message of snapshots."""
    existing = list_snapshots(out)
    if existing:
        raise UsageError('--out {} already holds snapshots (newest: '
                         'iteration {}); {}'.format(out, existing[-1][0], fix))
    for name in (METRICS, 'model.npz'):
        if os.path.lexists(os.path.join(out, name)):
            raise UsageError(
                '--out {} holds a finished run ({}); a new run would '
                'overwrite its results: choose another --out'.format(
                    out, name))


def newest_snapshot(folder):
    """The path of the newest ``snapshot_iter_<N>.npz`` in ``folder``, or
    ``None``."""
    found = list_snapshots(folder)
    return found[-1][1] if found else None
