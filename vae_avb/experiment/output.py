"""Output folders: preparing and locking ``--out``, and the resume
policy."""
import errno
import fcntl
import functools
import os
import stat
import tempfile

from vae_avb.experiment.errors import UsageError
from vae_avb.experiment.metrics import METRICS
from vae_avb.training import load_latest_snapshot
from vae_avb.training import load_snapshot
from vae_avb.training import SnapshotError
from vae_avb.training.snapshots import list_snapshots


# realpath of a locked folder -> the descriptor holding its lock.
_LOCKS = {}
# The folders prepare_out created in this process and then locked, each
# as the tuple of the real paths it made, the deepest first.
_CREATED = set()


def prepare_out(out, files=()):
    """Creates ``out`` if needed, checks that files can be written there
    and locks it for this process: one writer per folder. ``files``
    names the files the script will write in it: anything but a regular
    file in one's place is refused (:func:`check_run_files`).

    The lock (``fcntl.flock`` on the folder itself; no file is added) is
    held until the process ends or the :func:`script_main` that took it
    returns; the system drops it when the process dies, even by
    ``kill -9``, so a killed run never leaves its folder locked.

    The folders it creates (``out`` and parents it had to make) are
    removed again, while empty, when it fails, and by
    :func:`script_main` when the script fails: a refusal (a refused
    ``--resume``, a memory check) leaves no empty ``--out`` behind. Only
    folders this process made are removed, and none that another process
    has locked (with several ranks, rank 0's ``--out`` may stay).

    Raises:
        UsageError: ``out`` is a file, cannot be created, is not writable,
            is in use by another process, or holds something other than a
            file where one of ``files`` goes. Nothing in it is changed.
    """
    if os.path.exists(out) and not os.path.isdir(out):
        raise UsageError('--out {} is a file, not a folder; give a folder '
                         'path'.format(out))
    made = []
    try:
        try:
            _make_folders(out, made)
            with tempfile.TemporaryFile(dir=out):
                pass
        except OSError as e:
            raise UsageError('--out {} is not writable ({}); choose a folder '
                             'you can write to'.format(out, e.strerror or e))
        lock_out(out)
        check_run_files(out, files)
    except BaseException:
        _remove_if_empty(made[::-1])
        raise
    if made:
        _CREATED.add(tuple(made[::-1]))


def check_run_files(out, names):
    """Refuses, in one line, anything other than a regular file (or
    nothing) where a run writes one of ``names`` in ``out``: a folder
    would stop it after its training, and a link or a FIFO would be
    written through or waited on by Chainer's extensions (its log, its
    plots, its graph), which do not write atomically as vae_avb does.

    Raises:
        UsageError: Naming the entry, what it is, and the fix.
    """
    for name in names:
        path = os.path.join(out, name)
        try:
            mode = os.lstat(path).st_mode
        except FileNotFoundError:
            continue
        except OSError as e:
            raise UsageError('--out {}: {} cannot be checked ({}); move it '
                             'out of the way'.format(out, name,
                                                     e.strerror or e))
        if stat.S_ISREG(mode):
            continue
        kind = 'folder' if stat.S_ISDIR(mode) else \
            'link' if stat.S_ISLNK(mode) else \
            'FIFO' if stat.S_ISFIFO(mode) else 'special file'
        raise UsageError('--out {} holds a {} named {}, where this script '
                         'writes a file; move it out of the way'.format(
                             out, kind, name))


def _make_folders(out, made):
    """``os.makedirs(out, exist_ok=True)``, appending to ``made`` the real
    path of each folder this call created (a folder another process
    creates meanwhile is not counted), the shallowest first."""
    missing = []
    # A name that exists (a dangling link among them) is left to makedirs.
    folder = out if os.path.lexists(out) else os.path.realpath(out)
    while not os.path.lexists(folder):
        missing.append(folder)
        folder = os.path.dirname(folder)
    for folder in reversed(missing):
        try:
            os.mkdir(folder)
        except FileExistsError:
            continue
        made.append(folder)
    # A path the real path does not cover (a '..' after a missing
    # folder): made as the system resolves it, not counted.
    os.makedirs(out, exist_ok=True)


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
    it raises (``SystemExit`` with status 0 is no failure), the ``--out``
    folders it created and left empty are removed first."""
    @functools.wraps(main)
    def wrapped(*args, **kwargs):
        held = set(_LOCKS)
        created = set(_CREATED)
        failed = True
        try:
            result = main(*args, **kwargs)
            failed = False
            return result
        except SystemExit as e:
            failed = e.code not in (None, 0)
            raise
        finally:
            new = set(_CREATED) - created
            _CREATED.difference_update(new)
            if failed:
                # Removed while still locked: no other process can have
                # taken them in between.
                for made in new:
                    _remove_if_empty(made)
            for key in set(_LOCKS) - held:
                release_out(key)
    return wrapped


def _remove_if_empty(made):
    """Removes the folders ``made`` (real paths, deepest first) while
    they hold nothing and no other process holds their lock."""
    for folder in made:
        if os.path.realpath(folder) in _LOCKS:
            # Ours: no other process holds it.
            try:
                os.rmdir(folder)  # Refused (OSError) unless empty.
            except OSError:
                return
            continue
        try:
            fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
        except OSError:
            return
        try:
            # Held meanwhile by a run that took the folder as its --out
            # (or a parent of it we made): not ours to remove.
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            os.rmdir(folder)
        except OSError:
            return
        finally:
            os.close(fd)


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
