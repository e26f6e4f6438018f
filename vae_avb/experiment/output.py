"""Output folders: preparing ``--out`` and the resume policy."""
import os
import tempfile

from vae_avb.experiment.errors import UsageError
from vae_avb.training import load_latest_snapshot
from vae_avb.training import load_snapshot
from vae_avb.training import SnapshotError
from vae_avb.training.snapshots import list_snapshots


def prepare_out(out):
    """Creates ``out`` if needed and checks that files can be written there.

    Raises:
        UsageError: ``out`` is a file, cannot be created or is not
            writable. Nothing in it is changed.
    """
    if os.path.exists(out) and not os.path.isdir(out):
        raise UsageError('--out {} is a file, not a folder; give a folder '
                         'path'.format(out))
    try:
        os.makedirs(out, exist_ok=True)
        with tempfile.TemporaryFile(dir=out):
            pass
    except OSError as e:
        raise UsageError('--out {} is not writable ({}); choose a folder you '
                         'can write to'.format(out, e.strerror or e))


def resume(trainer, spec):
    """Loads the snapshot ``--resume`` names into ``trainer``.

    ``spec`` is ``None`` (start afresh: refused when ``trainer.out``
    already holds snapshots, which the new run would mix with and prune),
    ``'auto'`` (the newest snapshot in ``trainer.out`` that reads back;
    a fresh start when there is none) or a file.

    Returns:
        str or None: The snapshot loaded.

    Raises:
        UsageError: The snapshot is missing, corrupt or was written by a
            model of other sizes, or a fresh start would mix runs.
    """
    try:
        if spec is None:
            existing = list_snapshots(trainer.out)
            if existing:
                raise UsageError(
                    '--out {} already holds snapshots (newest: iteration '
                    '{}); add --resume to continue that run, or choose '
                    'another --out'.format(trainer.out, existing[-1][0]))
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
    except SnapshotError as e:
        raise UsageError(str(e))
    print('resumed from {} (iteration {})'.format(
        path, trainer.updater.iteration))
    return path


def newest_snapshot(folder):
    """The path of the newest ``snapshot_iter_<N>.npz`` in ``folder``, or
    ``None``."""
    found = list_snapshots(folder)
    return found[-1][1] if found else None
