"""Kill-safe trainer snapshots: atomic writes, keep-last-N, exact resume.

Chainer's ``extensions.snapshot`` moves a finished file into place, but it
does not flush it to disk, orders snapshots by modification time (ties
between snapshots written within the clock's resolution are broken by
name, so ``_10`` sorts before ``_9``), its loader lets NumPy unpickle
and it leaves NumPy's global random state out, so a resumed run draws
different noise. :class:`Snapshots` keeps Chainer's serialization
(``npz.serialize`` of the whole trainer, read back by a subclass of
Chainer's ``NpzDeserializer`` that checks each entry first) and changes
only how files are written, found and read: never with pickles.
"""
import errno
import math
import os
import re
import stat
import sys

import numpy

import chainer
from chainer.serializers import npz
from chainer import training

from vae_avb.training.finite_guard import NonFiniteLossError
from vae_avb.utils.archive import ArchiveError
from vae_avb.utils.archive import read_npz
from vae_avb.utils.atomic_write import write_atomic
from vae_avb.utils.check import check_count
from vae_avb.utils.check import CorruptStateError
from vae_avb.utils.check import one_line
from vae_avb.utils.random_state import serialize_random_state

SNAPSHOT_NAME = 'snapshot_iter_{}.npz'
_SNAPSHOT_RE = re.compile(r'^snapshot_iter_(\d+)\.npz$')
_TEMP_PREFIX = '.snapshot_iter_'
_TEMP_SUFFIX = '.tmp'


class SnapshotError(ValueError):
    """A snapshot is missing, unreadable or does not fit the model."""


class CorruptSnapshotError(SnapshotError):
    """A snapshot file is torn, truncated or not a snapshot at all."""


def save_atomic(path, obj, check_finite=False):
    """Writes ``obj``'s serialization to ``path`` so that a kill never
    tears it.

    The arrays go to a temporary file in the same folder, which is flushed
    and synced to disk, then renamed over ``path`` (a rename within one
    file system is atomic), and the folder is synced so the rename
    survives a power cut. A kill at any moment leaves ``path`` either
    absent or as it was, or complete.

    Args:
        path (str): Destination ``.npz`` file.
        obj: Object with a ``serialize`` method (a Trainer, a Link, ...).
        check_finite (bool): Refuse (:class:`NonFiniteLossError`, nothing
            written) when a floating-point entry holds NaN or inf: the
            parameters or optimizer state diverged.
    """
    arrays = npz.serialize(obj)
    for key, value in arrays.items():
        value = numpy.asarray(value)
        if value.dtype.hasobject:
            raise TypeError(
                'snapshot entry {} holds Python objects, which would need '
                'pickling; serialize it as arrays or numbers'.format(key))
        if check_finite and value.dtype.kind in 'fc' and \
                _must_be_finite(key) and not numpy.isfinite(value).all():
            raise NonFiniteLossError(
                '{} is not written: {} holds NaN or inf (training '
                'diverged); the snapshots already written are kept (train '
                'again in a new --out with a lower step size, or check the '
                'data)'.format(path, key))
    # Sorted: the same arrays make the same file whatever the order in
    # which Chainer visits the links (a set's, which varies per process).
    arrays = dict(sorted(arrays.items()))
    write_atomic(path, lambda f: numpy.savez(f, **arrays),
                 prefix=_TEMP_PREFIX, suffix=_TEMP_SUFFIX)


def _must_be_finite(key):
    """Whether a snapshot entry must be finite: every one but the state of
    extensions and triggers (which may keep an infinite "best so far")."""
    return not key.startswith(('extensions/', 'extension_triggers/'))


class _CheckedDeserializer(npz.NpzDeserializer):

    """Chainer's ``NpzDeserializer`` that first checks that each stored
    entry has the kind of the value it replaces: as many dimensions and a
    number for a number, so that an altered file (a scalar broadcast over a
    weight matrix, text in place of numbers) is refused as corrupt rather
    than loaded or reported as another model's."""

    def __getitem__(self, key):
        return _CheckedDeserializer(
            self.npz, self.path + key.strip('/') + '/', strict=self.strict,
            ignore_names=self.ignore_names)

    def __call__(self, key, value):
        full = self.path + key.lstrip('/')
        if value is None:
            # Chainer passes None for what it takes as stored: a lazy
            # parameter, the state of a fresh optimizer (arrays of
            # numbers, checked against their parameters after the load),
            # a setting (a string of no dimension).
            stored = self.npz.get(full)
            if stored is not None and stored.ndim and \
                    stored.dtype.kind not in 'biuf':
                raise CorruptSnapshotError(
                    'entry {} holds {} {} where numbers are expected'.format(
                        full, stored.dtype, tuple(stored.shape)))
            return super(_CheckedDeserializer, self).__call__(key, value)
        stored = self.npz.get(full)
        if stored is not None and not _same_kind(stored, value):
            raise CorruptSnapshotError(
                'entry {} holds {} {} where {} is expected'.format(
                    full, stored.dtype, tuple(stored.shape),
                    _describe(value)))
        if stored is not None and hasattr(value, 'shape') and \
                tuple(stored.shape) != tuple(value.shape):
            # NumPy's copy would broadcast a (1, n) entry over (m, n).
            raise ValueError('entry {} has shape {} where {} is expected'
                             .format(full, tuple(stored.shape),
                                     tuple(value.shape)))
        return super(_CheckedDeserializer, self).__call__(key, value)


def load_whole(deserializer, obj):
    """``deserializer.load(obj)`` that leaves ``obj`` as it was when the
    load fails part-way (an entry of the wrong kind or shape found after
    others were copied in): what ``obj`` held is kept in memory first and
    put back before the error is raised."""
    kept = []
    for part in _parts(obj):
        backup = npz.DictionarySerializer()
        part.serialize(backup)
        kept.append((part, {key: numpy.array(value, copy=True)
                            for key, value in backup.target.items()}))
    elapsed = getattr(obj, '_snapshot_elapsed_time', None)
    # A fresh optimizer's states, and lazy parameters, are made by the
    # load itself.
    rules = _update_rules(obj)
    fresh = [rule for _, _, rule in rules if rule.state is None]
    params = [param for _, param, _ in rules]
    if isinstance(obj, chainer.Link):
        params += list(obj.params())
    lazy = [param for param in params if param.array is None]
    try:
        deserializer.load(obj)
        _check_optimizer_states(obj)
        _check_trainer_state(obj)
    except BaseException:
        for part, entries in kept:
            npz.NpzDeserializer(entries, strict=False).load(part)
        for rule in fresh:
            rule._state = None
        for param in lazy:
            param.array = None
        if isinstance(obj, training.Trainer):
            obj._snapshot_elapsed_time = elapsed
        raise


def _update_rules(obj):
    """``(name, parameter, update rule)`` of every parameter of the
    optimizers of ``obj`` (a trainer or an optimizer)."""
    if isinstance(obj, training.Trainer):
        optimizers = obj.updater.get_all_optimizers().items()
    elif isinstance(obj, chainer.Optimizer):
        optimizers = [('', obj)]
    else:
        return []
    rules = []
    for _, optimizer in sorted(optimizers):
        target = getattr(optimizer, 'target', None)
        if target is not None:
            rules += [(name, param, param.update_rule)
                      for name, param in target.namedparams()
                      if param.update_rule is not None]
    return rules


def _check_count(value, what):
    """Refuses a step or iteration count read back that no run could
    have written (a negative number: Adam's bias correction then takes
    the root of a negative number or divides by zero mid-training)."""
    if isinstance(value, bool) or not isinstance(
            value, (int, numpy.integer)) or value < 0:
        raise CorruptSnapshotError('{} is {!r}, not a count of 0 or '
                                   'more'.format(what, value))


def _check_counts(obj):
    """Checks the trainer's iteration and the optimizers' step and epoch
    counts just read back."""
    if isinstance(obj, training.Trainer):
        _check_count(obj.updater.iteration, 'the iteration')
        optimizers = obj.updater.get_all_optimizers().items()
    elif isinstance(obj, chainer.Optimizer):
        optimizers = [('', obj)]
    else:
        return
    for label, optimizer in sorted(optimizers):
        for key in ('t', 'epoch'):
            _check_count(getattr(optimizer, key, 0),
                         'the {} of optimizer {!r}'.format(key, label))
    for name, _, rule in _update_rules(obj):
        _check_count(rule.t, 'the step count t of {}'.format(name))


# The longest a run could have trained, in seconds (a thousand years).
MAX_ELAPSED_SECONDS = 3.2e10


def _check_trainer_state(obj):
    """Checks what a trainer's snapshot carries beside its optimizers:
    the seconds it has trained (they become ``train_seconds``), its
    iterators' counters (a trigger in epochs reads them), and the
    records of its ``LogReport`` (Chainer reads them back as JSON,
    unchecked, and its reports would fail on the next write)."""
    if not isinstance(obj, training.Trainer):
        return
    elapsed = getattr(obj, '_snapshot_elapsed_time', None)
    if elapsed is not None and (
            isinstance(elapsed, (bool, numpy.bool_)) or
            not isinstance(elapsed, (int, float, numpy.number)) or
            not 0 <= float(elapsed) <= MAX_ELAPSED_SECONDS):
        raise CorruptSnapshotError(
            'the elapsed time is {!r}, not seconds from 0 to {:g}'.format(
                elapsed, MAX_ELAPSED_SECONDS))
    for name, iterator in sorted(getattr(obj.updater, '_iterators',
                                         {}).items()):
        for key in ('iteration', 'epoch', 'current_position'):
            if hasattr(iterator, key):
                _check_count(getattr(iterator, key),
                             'the {} of iterator {!r}'.format(key, name))
    for _, entry in sorted(obj._extensions.items()):
        if isinstance(entry.extension, training.extensions.LogReport):
            _check_log(getattr(entry.extension, '_log', []))


def _check_log(log):
    """A ``LogReport``'s records: a list of objects of numbers, their
    ``epoch`` and ``iteration`` counts."""
    if not isinstance(log, list) or not all(
            isinstance(record, dict) and all(
                isinstance(key, str) and isinstance(value, (int, float))
                and not isinstance(value, bool)
                for key, value in record.items())
            for record in log):
        raise CorruptSnapshotError('the training log is not a list of '
                                   'records of numbers')
    for record in log:
        for key in ('epoch', 'iteration'):
            if key in record:
                _check_count(record[key], 'the {} of a log record'.format(
                    key))


def _check_optimizer_states(obj):
    """Checks that the optimizer states just read (taken as stored when
    the optimizer had not run) are float arrays of their parameters'
    shapes, as an update needs, that Adam's second moments (``v``,
    ``vhat``) are not negative, and that the counts are counts."""
    _check_counts(obj)
    for name, param, rule in _update_rules(obj):
        if rule.state is None:
            continue
        shape = None if param.array is None else tuple(param.shape)
        for key, value in sorted(rule.state.items()):
            if not hasattr(value, 'shape'):
                continue
            if value.dtype.kind != 'f' or (
                    shape is not None and tuple(value.shape) != shape):
                raise CorruptSnapshotError(
                    'the optimizer state {}/{} is {} {} for a parameter of '
                    'shape {}'.format(name, key, value.dtype,
                                      tuple(value.shape), shape))
            if key in ('v', 'vhat') and isinstance(
                    rule, chainer.optimizers.adam.AdamRule) and \
                    bool((value < 0).any()):
                # A mean of squared gradients: a negative one makes the
                # next step's square root NaN.
                raise CorruptSnapshotError(
                    'the optimizer state {}/{} holds negative values, which '
                    'a mean of squares cannot'.format(name, key))


def _parts(obj):
    """What :func:`load_whole` keeps: ``obj``, or for a trainer (which
    cannot be serialized before it has run) what its ``serialize``
    covers: the updater, the stop trigger, the extensions and their
    triggers."""
    if not isinstance(obj, training.Trainer):
        return [obj]
    parts = [obj.updater, obj.stop_trigger]
    for _, entry in sorted(obj._extensions.items()):
        parts += [entry.extension, entry.trigger]
    return [part for part in parts if hasattr(part, 'serialize')]


def _same_kind(stored, value):
    if stored.dtype.kind in 'OV':
        return False
    if isinstance(value, str):
        return stored.dtype.kind in 'US' and stored.ndim == 0
    numeric = stored.dtype.kind in 'biuf'
    if isinstance(value, (int, numpy.integer)) and not isinstance(
            value, (bool, numpy.bool_)):
        # A count (an iteration, a step): Chainer writes it as integers,
        # so a float there (3.5, 1e30) was made by hand.
        return stored.dtype.kind in 'biu' and stored.ndim == 0
    if isinstance(value, (bool, int, float, numpy.generic)):
        return numeric and stored.ndim == 0
    if hasattr(value, 'ndim') and hasattr(value, 'dtype'):
        return numeric and stored.ndim == value.ndim
    return True


def _describe(value):
    if hasattr(value, 'ndim') and hasattr(value, 'dtype'):
        return 'a {}-dimensional array of {}'.format(value.ndim, value.dtype)
    name = type(value).__name__
    return '{} {}'.format('an' if name[0] in 'aeiou' else 'a', name)


def read_snapshot(path, fix=None):
    """Every entry of the ``.npz`` snapshot ``path``, read completely.

    ``fix`` ends the message of a missing or corrupt file in place of the
    advice to resume (see :func:`load_snapshot`).

    Arrays are read with ``allow_pickle=False`` (a file cannot make the
    reader run code) and each entry's checksum is verified by reading it
    to its end, so a torn or altered file is found before anything is
    loaded into a model or trainer.

    Raises:
        SnapshotError: ``path`` is missing.
        CorruptSnapshotError: ``path`` is torn, altered, holds pickles or
            is not an ``.npz`` file.
    """
    again = fix or 'resume from an older one or start afresh'
    if not os.path.lexists(path):
        raise SnapshotError(
            'snapshot {} does not exist; {}'.format(
                path, fix or 'give an existing file or --resume auto to '
                'pick the newest one in --out'))
    if not os.path.isfile(path):
        raise CorruptSnapshotError(
            'snapshot {} is not a regular file (a folder, a FIFO, a device '
            'or a dangling link); {}'.format(path, again))
    try:
        arrays = read_npz(path)
    except OSError as e:
        raise SnapshotError('snapshot {} cannot be read ({}); check its '
                            'permissions'.format(path, e.strerror or e))
    except ArchiveError as e:
        raise CorruptSnapshotError('snapshot {} {}; {}'.format(
            path, e.problem, again))
    for key, array in arrays.items():
        if array.dtype.kind in 'fc' and _must_be_finite(key) and \
                not numpy.isfinite(array).all():
            raise CorruptSnapshotError(
                'snapshot {} holds NaN or inf in {!r} (vae_avb never writes '
                'such a snapshot: the file was altered or comes from a '
                'diverged run); {}'.format(path, key, again))
    return arrays


def _check_settings_first(deserializer, obj):
    """Runs the checks of a trainer's extensions marked ``checked_first``
    (:class:`~vae_avb.training.RunFlags`) before anything is loaded, so
    that a run resumed with other settings is told which settings differ
    rather than how the networks they build differ (another padding or
    size); the trainer is left as it was."""
    if not isinstance(obj, training.Trainer):
        return
    for name, entry in sorted(obj._extensions.items()):
        if getattr(entry.extension, 'checked_first', False):
            entry.extension.serialize(deserializer['extensions'][name])


def _check_named_iteration(path, arrays, obj, prefix):
    """A trainer snapshot named ``snapshot_iter_<n>.npz`` (as
    :class:`Snapshots` and Chainer's snapshot name them) must hold
    iteration ``n``: one that holds another (a huge one ends the run at
    once) was altered, and an older snapshot is tried instead."""
    match = _SNAPSHOT_RE.match(os.path.basename(path))
    stored = arrays.get(prefix + 'updater/iteration')
    if not isinstance(obj, training.Trainer) or match is None or \
            stored is None:
        return
    if stored.ndim or stored.dtype.kind not in 'iu' or \
            int(stored) != int(match.group(1)):
        raise CorruptSnapshotError(
            'its name says iteration {}, but it holds {} {}'.format(
                match.group(1), stored.dtype, stored.tolist()
                if stored.size <= 4 else tuple(stored.shape)))


def load_snapshot(path, obj, prefix='', fix=None):
    """Loads a snapshot written by :func:`save_atomic` (or Chainer) into
    ``obj``; with ``prefix``, the entries under that path of the file
    (``'updater/model:main/'`` for one link of a trainer snapshot), as
    :func:`chainer.serializers.load_npz`'s ``path``.

    The whole file is read and checked (:func:`read_snapshot`) before
    anything is loaded, and an entry refused part-way puts back what was
    already loaded (:func:`load_whole`), so a torn or altered file leaves
    ``obj`` as it was. Arrays are read with ``allow_pickle=False``: a file
    cannot make the loader run code. Errors become one-line
    :class:`SnapshotError` messages naming the file, the problem and the
    fix.

    ``fix`` ends each message in place of the advice to resume (for a
    file that is no trainer's snapshot, such as a finished run's
    ``model.npz``).

    Raises:
        SnapshotError: ``path`` is missing, or does not match ``obj`` (an
            entry is missing or has another shape: the model was built
            with other sizes).
        CorruptSnapshotError: ``path`` is torn or is not a snapshot.
    """
    arrays = read_snapshot(path, fix)
    try:
        _check_named_iteration(path, arrays, obj, prefix)
        deserializer = _CheckedDeserializer(arrays, path=prefix)
        _check_settings_first(deserializer, obj)
        load_whole(deserializer, obj)
    except RecursionError:  # JSON nested beyond any run's (crafted).
        raise CorruptSnapshotError(
            'snapshot {} is corrupt or not a snapshot (an entry is nested '
            'too deeply); {}'.format(
                path, fix or 'resume from an older one or start afresh'))
    except CorruptSnapshotError as e:
        raise CorruptSnapshotError(
            'snapshot {} is corrupt or not a snapshot ({}); {}'.format(
                path, e, fix or 'resume from an older one or start afresh'))
    except SnapshotError as e:  # The object's own check (RunFlags).
        raise type(e)('snapshot {}: {}'.format(path, e))
    except CorruptStateError as e:  # A random state, a position.
        raise CorruptSnapshotError(
            'snapshot {} is corrupt ({}); {}'.format(
                path, one_line(e), fix or 'an older one is tried, if any'))
    except KeyError as e:
        raise SnapshotError(
            'snapshot {} does not match this model: it has no entry {}; '
            '{}'.format(path, one_line(e), fix or 'resume with the script '
                        'and flags that wrote it'))
    except (ValueError, TypeError) as e:
        raise SnapshotError(
            'snapshot {} does not match this model ({}); {}'.format(
                path, one_line(e), fix or 'resume with the flags that wrote '
                'it (for instance the same --dim-z)'))


def _regular_file(path):
    try:
        return stat.S_ISREG(os.lstat(path).st_mode)
    except OSError:
        return False


def list_snapshots(folder):
    """``(iteration, path)`` of the snapshots in ``folder``, oldest first."""
    if not os.path.isdir(folder):
        return []
    found = []
    for name in os.listdir(folder):
        match = _SNAPSHOT_RE.match(name)
        if match:
            found.append((int(match.group(1)), os.path.join(folder, name)))
    return sorted(found)


def load_latest_snapshot(folder, obj, log=None):
    """Loads the newest snapshot in ``folder`` that reads back; returns its
    path.

    Torn or unreadable files are reported on ``log`` (default: stderr)
    and skipped in favour
    of the next older one. A snapshot that reads but does not match
    ``obj`` stops the search (:class:`SnapshotError`): an older one was
    written by the same run and would not match either.

    Returns:
        str or None: The path loaded, ``None`` if ``folder`` holds none.
    """
    for _, path in reversed(list_snapshots(folder)):
        try:
            load_snapshot(path, obj)
        except CorruptSnapshotError as e:
            print('warning: skipped: {}'.format(e), file=log or sys.stderr)
            continue
        return path
    return None


def remove_stale_temporaries(folder):
    """Removes temporary files left by snapshot writes that were killed."""
    if not os.path.isdir(folder):
        return
    for name in os.listdir(folder):
        if name.startswith(_TEMP_PREFIX) and name.endswith(_TEMP_SUFFIX):
            try:
                os.remove(os.path.join(folder, name))
            except OSError as e:
                if e.errno != errno.ENOENT:
                    raise


class Snapshots(training.Extension):

    """Writes trainer snapshots atomically, keeping the newest ``keep``.

    Every ``interval`` (``(n, 'iteration')`` or ``(n, 'epoch')``) and at
    the last iteration of training, the whole trainer (models, optimizer
    states, iterator positions and random states, extension states) is
    written to ``<out>/snapshot_iter_<iteration>.npz`` with
    :func:`save_atomic`; then all but the newest ``keep`` are deleted, so
    a kill between the two steps leaves one more file, never one less.

    The extension also saves NumPy's global random state (the encoder
    noise, the prior samples and ``F.gaussian`` draw from it), which
    makes a resumed run on the CPU bit-identical to one that was never
    interrupted. (CuPy's generator state cannot be saved; on a GPU a
    resumed run continues with fresh noise.)

    Args:
        interval (tuple): ``(n, 'iteration')`` or ``(n, 'epoch')``.
        stop (tuple): The trainer's stop trigger as ``(n, unit)``; a
            snapshot is also written when it is reached.
        keep (int): Snapshots kept, at least 1.
    """

    priority = -100  # After every other extension, as Chainer's snapshot.
    trigger = 1, 'iteration'

    def __init__(self, interval, stop=None, keep=3):
        points = {}
        for name, value in (('interval', interval), ('stop', stop)):
            if value is None and name == 'stop':
                points[name] = None
                continue
            try:
                n, unit = value
                # (No upper bound: a huge interval means never.)
                n = check_count(n, name, 'Snapshots', 1, math.inf)
                if unit not in ('iteration', 'epoch'):
                    raise ValueError(unit)
            except (TypeError, ValueError):
                raise ValueError(
                    'Snapshots: {} must be (n, "iteration") or (n, "epoch") '
                    'with n >= 1, got {!r}'.format(name, value)) from None
            points[name] = n, unit
        try:
            keep = check_count(keep, 'keep', 'Snapshots')
        except ValueError:
            raise ValueError(
                'Snapshots: keep must be an integer >= 1, got {!r}'.format(
                    keep)) from None
        self.interval = points['interval']
        self.stop = points['stop']
        self.keep = keep

    def folder(self, trainer):
        """The folder this extension writes to (``trainer.out``)."""
        return trainer.out

    def initialize(self, trainer):
        remove_stale_temporaries(self.folder(trainer))

    @staticmethod
    def _reached(trainer, point):
        n, unit = point
        updater = trainer.updater
        if unit == 'iteration':
            return updater.iteration % n == 0
        return updater.is_new_epoch and updater.epoch % n == 0

    def due(self, trainer):
        """Whether a snapshot is written at the current iteration."""
        if self._reached(trainer, self.interval):
            return True
        if self.stop is None:
            return False
        n, unit = self.stop
        updater = trainer.updater
        if unit == 'iteration':
            return updater.iteration == n
        return updater.is_new_epoch and updater.epoch == n

    def __call__(self, trainer):
        if self.due(trainer):
            self.write(trainer)

    def write(self, trainer):
        """Writes a snapshot now and prunes the old ones; returns its path.

        Only regular files of earlier iterations are pruned, the newest
        ``keep - 1`` of them kept: a snapshot numbered beyond this one
        (a damaged file a resume skipped, something crafted) or not a
        file (a folder, a link, a FIFO) is never counted among the kept
        nor removed, so it cannot make the run delete the snapshots it
        would resume from."""
        folder = self.folder(trainer)
        iteration = trainer.updater.iteration
        path = os.path.join(folder, SNAPSHOT_NAME.format(iteration))
        self.save(path, trainer)
        older = [old for n, old in list_snapshots(folder)
                 if n < iteration and _regular_file(old)]
        for old in older[:max(0, len(older) - (self.keep - 1))]:
            os.remove(old)
        return path

    def save(self, path, trainer):
        """Writes ``trainer``'s snapshot to ``path`` (its folder made if
        needed); the old ones are pruned after it returns."""
        os.makedirs(os.path.dirname(path) or '.', exist_ok=True)
        save_atomic(path, trainer, check_finite=True)

    def serialize(self, serializer):
        # The module's get_state/set_state act on the global generator.
        serialize_random_state(serializer['numpy_random'], numpy.random)
