"""Training pieces for several processes under ChainerMN (one per rank).

ChainerMN gives the communicator, the multi-node optimizer (gradients
averaged over the ranks before each step) and the multi-node evaluator.
This module adds what a data-parallel run of vae_avb needs beyond them,
each piece working on any ChainerMN communicator:

- :class:`ShardIterator`: every rank draws the same global batch from one
  shared order and keeps its own slice, so N ranks with ``B / N`` rows
  each see, at each step, the examples one process would see with ``B``;
- :class:`MeanOverRanks`: the reported values averaged over the ranks, in
  one collective per iteration, before the log and the NaN guard read
  them (so a NaN on one rank stops every rank at the same iteration);
- :class:`MultiNodeSnapshots`: one snapshot per rank (each rank's noise
  stream is its own), the old ones pruned only once every rank has
  written the new one, so a kill at any moment leaves a snapshot that
  every rank holds;
- :func:`any_rank_error`, :func:`agreed_error`: a problem met by one rank
  raised on all of them together (no rank left waiting in a collective).
"""
import os

import numpy

import chainer
from chainer import training

from vae_avb.training.finite_guard import NonFiniteLossError
from vae_avb.training.finite_guard import nonfinite_error
from vae_avb.training.snapshots import SnapshotError
from vae_avb.training.snapshots import Snapshots
from vae_avb.utils.archive import ArchiveError
from vae_avb.utils.archive import read_npz
from vae_avb.utils.check import check_count


def rank_folder(out, rank):
    """Where rank ``rank`` keeps its snapshots: ``out`` for rank 0 (so
    rank 0's files are those of a one-process run), ``out/rank<r>``
    otherwise."""
    return out if rank == 0 else os.path.join(out, 'rank{}'.format(rank))


def rank_rows(n, rank, size):
    """The slice of ``n`` rows that rank ``rank`` of ``size`` takes: near-
    equal contiguous shares, in rank order."""
    return slice(n * rank // size, n * (rank + 1) // size)


def gather_errors(comm, error):
    """Every rank's ``error`` (an exception or ``None``), as a list of
    ``(rank, type name, message)`` for those that have one."""
    return [(rank, found[0], found[1]) for rank, found in
            enumerate(comm.mpi_comm.allgather(_describe(error)))
            if found is not None]


def _describe(error):
    if error is None:
        return None
    if isinstance(error, OSError):
        return (type(error).__name__,
                (error.errno, error.strerror or str(error), error.filename))
    return type(error).__name__, str(error)


# The errors the script runner reports in one line: rebuilt as themselves
# on the ranks that did not meet them.
_KINDS = (NonFiniteLossError, MemoryError, KeyboardInterrupt)


def agreed_error(comm, error, kinds=()):
    """Collective: the exception every rank raises when ``error`` (this
    rank's, or ``None``) is not ``None`` on some rank, else ``None``.

    The first failing rank's exception is rebuilt on the others, as the
    class of ``kinds`` (or of :class:`NonFiniteLossError`,
    ``MemoryError``, ``OSError``) with its name, else as a
    ``RuntimeError``; its message names the rank. The exception gets
    ``on_every_rank = True``: the script runner prints it once, on rank 0.
    """
    errors = gather_errors(comm, error)
    if not errors:
        return None
    rank, name, message = errors[0]
    if rank == comm.rank and error is not None:
        agreed = error
    elif isinstance(message, tuple):  # An OSError: errno, text, file.
        number, text, filename = message
        agreed = OSError(number, 'rank {}: {}'.format(rank, text),
                         filename)
    else:
        kind = next((k for k in tuple(kinds) + _KINDS
                     if k.__name__ == name), RuntimeError)
        agreed = kind('rank {}: {}'.format(rank, message))
    agreed.on_every_rank = True
    return agreed


def any_rank_error(comm, function, *args, kinds=(), **kwargs):
    """Collective: ``function(*args, **kwargs)`` on every rank; if it
    raised on any rank, every rank raises (:func:`agreed_error`) before
    any goes on. Returns this rank's result."""
    result = error = None
    try:
        result = function(*args, **kwargs)
    except Exception as e:  # Re-raised below, on every rank.
        error = e
    agreed = agreed_error(comm, error, kinds + (type(error),)
                          if error is not None else kinds)
    if agreed is not None:
        raise agreed
    return result


class ShardIterator(chainer.dataset.Iterator):

    """This rank's slice of another iterator's batches.

    Every rank holds the same iterator (same data, batch size and seed),
    whose batches are the global batches; rank ``r`` of ``n`` returns
    rows ``[r * B / n, (r + 1) * B / n)`` of each. The epochs, the
    shuffling and the snapshot state are the wrapped iterator's, the same
    on every rank, so the ranks stay in step, a resumed run goes on with
    the same batches, and ``n`` ranks together see exactly the examples of
    a one-process run with the same batch size (a partial last batch is
    cut in ``n`` near-equal slices).

    Args:
        iterator: A Chainer iterator whose batches are arrays or lists of
            examples (``ArrayIterator``, ``SerialIterator``,
            ``FourPointsIterator``).
        rank (int): This process's rank.
        size (int): The number of ranks; the batch size of ``iterator``
            must be a multiple of it.
    """

    def __init__(self, iterator, rank, size):
        try:
            size = check_count(size, 'size', 'ShardIterator')
            rank = check_count(rank, 'rank', 'ShardIterator', 0, size - 1)
        except ValueError:
            raise ValueError('ShardIterator: rank must be in [0, size) and '
                             'size >= 1, got rank {!r} of {!r}'.format(
                                 rank, size)) from None
        batch_size = getattr(iterator, 'batch_size', None)
        if batch_size is not None and batch_size % size:
            raise ValueError(
                'ShardIterator: the batch size {} does not split over {} '
                'ranks; give a multiple of {}'.format(batch_size, size, size))
        self.iterator = iterator
        self.rank = int(rank)
        self.size = int(size)

    def __next__(self):
        batch = self.iterator.next()
        return batch[rank_rows(len(batch), self.rank, self.size)]

    next = __next__

    def finalize(self):
        iterator = self.__dict__.get('iterator')
        if iterator is not None:  # None: the constructor refused.
            iterator.finalize()

    def serialize(self, serializer):
        self.iterator.serialize(serializer)

    @property
    def batch_size(self):
        """Rows per batch on this rank."""
        return self.iterator.batch_size // self.size

    def __getattr__(self, name):
        # epoch, is_new_epoch, epoch_detail, previous_epoch_detail,
        # repeat, reset: the wrapped iterator's.
        if name == 'iterator':
            raise AttributeError(name)
        return getattr(self.iterator, name)


class MeanOverRanks(training.Extension):

    """Replaces each reported value by its mean over the ranks.

    Every entry of the trainer's observation (``main/loss``,
    ``adversary/loss``, ...; numbers, or arrays on any device, which come
    back as NumPy arrays) is averaged over the ranks in one ``Allreduce``
    per iteration. It runs before every extension that
    reads the observation (the log, the printed report and
    :class:`~vae_avb.training.FiniteGuard`), so the log shows the loss of
    the global batch, and a NaN on one rank stops every rank at the same
    iteration, with :class:`~vae_avb.training.FiniteGuard`'s message.
    (ChainerMN's ``ObservationAggregator`` does this for one key, with two
    object collectives per key and iteration.)

    Every rank must report the same keys, as the same training code does.
    """

    trigger = 1, 'iteration'
    priority = training.PRIORITY_WRITER + 2  # Before FiniteGuard's + 1.
    name = 'MeanOverRanks'

    def __init__(self, comm):
        self.comm = comm

    def __call__(self, trainer):
        if self.comm.size == 1:
            return
        observation = trainer.observation
        keys = sorted(observation)
        cpu = chainer.backend.CpuDevice()
        values = [numpy.asarray(cpu.send(chainer.as_array(observation[key])),
                                dtype=numpy.float64) for key in keys]
        total = numpy.empty(sum(value.size for value in values))
        self.comm.mpi_comm.Allreduce(
            numpy.concatenate([value.ravel() for value in values])
            if values else total, total)
        start = 0
        for key, value in zip(keys, values):
            mean = total[start:start + value.size] / self.comm.size
            observation[key] = mean.reshape(value.shape) if value.ndim \
                else float(mean[0])
            start += value.size
        # Every rank holds the same values: a NaN stops all of them here,
        # with one message (FiniteGuard's).
        error = nonfinite_error(trainer)
        if error is not None:
            error.on_every_rank = True
            raise error


class MultiNodeSnapshots(Snapshots):

    """:class:`~vae_avb.training.Snapshots` on every rank of a
    ChainerMN run.

    Each rank writes its own ``snapshot_iter_<n>.npz`` (the models and
    optimizer states are the same on every rank; the noise streams are
    not): rank 0 in ``trainer.out``, which then reads as a one-process
    run's folder, rank ``r`` in ``trainer.out/rank<r>``
    (:func:`rank_folder`). A snapshot is pruned only after every rank has
    written the newer one, so whatever the moment of a kill, the ranks
    share a snapshot to resume from (:func:`resume_ranks`). A write that
    fails on one rank (NaN weights, a full disk) stops every rank.

    Args:
        comm: The ChainerMN communicator.
        interval, stop, keep: As :class:`~vae_avb.training.Snapshots`'.
    """

    # Snapshots' name: rank 0's files have the keys of a one-process run.
    name = 'Snapshots'

    def __init__(self, comm, interval, stop=None, keep=3):
        super(MultiNodeSnapshots, self).__init__(interval, stop, keep)
        self.comm = comm

    def folder(self, trainer):
        return rank_folder(trainer.out, self.comm.rank)

    def save(self, path, trainer):
        # Collective: a failed write on one rank stops every rank.
        any_rank_error(self.comm, super(MultiNodeSnapshots, self).save, path,
                       trainer)


class RankCount(training.Extension):

    """Keeps the number of ranks a run trains on in its snapshots and
    refuses to resume on another number.

    With another number of ranks the batches would be cut otherwise and
    the noise streams would not be the snapshot's: the resumed run would
    not be the run that was stopped. A snapshot written before this
    extension existed was written by one process.

    Args:
        size (int): The number of ranks of this run (1 for one process).
    """

    trigger = 1, 'iteration'
    name = 'RankCount'

    def __init__(self, size):
        self.size = check_count(size, 'size (the number of ranks)',
                                'RankCount')

    def __call__(self, trainer):
        pass

    def serialize(self, serializer):
        if isinstance(serializer, chainer.serializer.Serializer):
            serializer('ranks', self.size)
            return
        try:
            stored = int(serializer('ranks', 0))
        except KeyError:
            stored = 1  # Written by one process, before ranks were kept.
        if stored != self.size:
            raise SnapshotError(other_ranks(stored, self.size))


def other_ranks(stored, size):
    """The error of a snapshot trained on ``stored`` ranks, resumed on
    ``size``."""
    return ('trained on {} rank{}, this run has {}; resume with the same '
            'number of processes ({})'.format(
                stored, '' if stored == 1 else 's', size,
                'one process, without mpiexec' if stored == 1 else
                'mpiexec -n {} ... --communicator'.format(stored)))


def snapshot_ranks(path):
    """The number of ranks that wrote the snapshot ``path`` (1 for one
    written before they were kept), read without loading it; ``None``
    when the file does not read back."""
    try:
        entries = read_npz(path)
    except (ArchiveError, OSError):
        return None
    ranks = entries.get('extensions/RankCount/ranks')
    try:
        return 1 if ranks is None else int(ranks)
    except (TypeError, ValueError):
        return None
