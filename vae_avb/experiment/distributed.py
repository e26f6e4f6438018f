"""Training on several processes (``mpiexec -n N ... --communicator``)
with ChainerMN: the flag, and :class:`Ranks`, what a script asks of the
processes it runs on. One process (no ``--communicator``) is the same
object with one rank, so a script has no branch for either."""
import io
import os
import re
import sys

import numpy

import chainer

from vae_avb.experiment.errors import UsageError
from vae_avb.experiment.output import prepare_out
from vae_avb.experiment.output import resume
from vae_avb.training import load_snapshot
from vae_avb.training import Snapshots
from vae_avb.training import SnapshotError
from vae_avb.training.multi_node import any_rank_error
from vae_avb.training.multi_node import gather_errors
from vae_avb.training.multi_node import MeanOverRanks
from vae_avb.training.multi_node import MultiNodeSnapshots
from vae_avb.training.multi_node import other_ranks
from vae_avb.training.multi_node import rank_folder
from vae_avb.training.multi_node import rank_rows
from vae_avb.training.multi_node import RankCount
from vae_avb.training.multi_node import snapshot_ranks
from vae_avb.training.multi_node import ShardIterator
from vae_avb.training.snapshots import CorruptSnapshotError
from vae_avb.training.snapshots import list_snapshots
from vae_avb.training.snapshots import SNAPSHOT_NAME
from vae_avb.utils import mpi

# ChainerMN's communicators (chainermn.create_communicator), and those
# that move CuPy arrays only.
COMMUNICATORS = ('naive', 'flat', 'non_cuda_aware', 'pure_nccl')
GPU_COMMUNICATORS = ('flat', 'non_cuda_aware', 'pure_nccl')
MPI_EXTRA = 'pip install "vae_avb[mpi]"'


def add_communicator_argument(parser):
    parser.add_argument(
        '--communicator', choices=COMMUNICATORS,
        help='train on every process that mpiexec -n N starts (ChainerMN, '
        'data parallel: --batch-size is split over them): naive on CPUs, '
        'pure_nccl on GPUs (one per process); needs ' + MPI_EXTRA)


def _usage(message):
    error = UsageError(message)
    error.on_every_rank = True  # Every process has the same flags.
    return error


def start_ranks(args):
    """The :class:`Ranks` of this run, from ``args.communicator``; sets
    ``args.device`` to this process's GPU (``comm.intra_rank``) when
    training on GPUs.

    Raises:
        UsageError: ``--communicator`` without ``mpi4py`` and an MPI, a
            GPU communicator on the CPU, a batch that does not split over
            the ranks, or several processes started without
            ``--communicator``.
    """
    name = getattr(args, 'communicator', None)
    if name is None:
        started = mpi.launcher_size()
        if started > 1:
            raise _usage(
                'started as {} processes (mpiexec -n {}) without '
                '--communicator: each would train the same run into the '
                'same --out; add --communicator naive (CPUs) or pure_nccl '
                '(GPUs), or start one process'.format(started, started))
        return Ranks(None)
    if getattr(args, 'plain', False):
        raise _usage('--plain is the one-process reference path (Chainer\'s '
                     'SerialIterator shuffles with the global generator, '
                     'which each process seeds apart): drop --plain or '
                     '--communicator')
    on_gpu = args.device.xp is not numpy
    if name in GPU_COMMUNICATORS and not on_gpu:
        raise _usage('--communicator {} moves GPU arrays: add --device 0 '
                     '(each process takes its own GPU), or use --communicator '
                     'naive on CPUs'.format(name))
    mpi.quiet_abort()
    try:
        import mpi4py.MPI  # NOQA
        import chainermn
    except ImportError as e:
        raise _usage('--communicator needs mpi4py and an MPI library, which '
                     'are not installed ({}); install them with {} (mpi4py '
                     'and the MPICH wheel), then start the script with '
                     'mpiexec -n N'.format(e, MPI_EXTRA))
    try:
        comm = chainermn.create_communicator(name)
    except Exception as e:
        raise _usage('--communicator {} cannot be made ({}: {}); use naive '
                     'on CPUs'.format(name, type(e).__name__, e))
    mpi.set_world(comm.rank, comm.size)
    ranks = Ranks(comm)
    batch_size = getattr(args, 'batch_size', None)
    if batch_size is not None and batch_size % comm.size:
        raise _usage('--batch-size {} does not split over {} processes: '
                     'give a multiple of {} (each process takes --batch-size '
                     '/ {} rows of every batch)'.format(
                         batch_size, comm.size, comm.size, comm.size))
    if getattr(args, 'adaptive_contrast', False) and \
            batch_size is not None and batch_size // comm.size < 2:
        raise _usage('--adaptive-contrast estimates the noise moments over '
                     'each process\'s share of the batch: give a --batch-size '
                     'of at least {}'.format(2 * comm.size))
    if on_gpu:
        args.device = ranks.collective(_own_gpu, comm)
    return ranks


def _own_gpu(comm):
    """GPU ``comm.intra_rank`` of this machine."""
    count = chainer.backend.cuda.cupy.cuda.runtime.getDeviceCount()
    if comm.intra_rank >= count:
        raise UsageError('{} processes on this machine but {} GPU(s): start '
                         'at most {} per machine'.format(
                             comm.intra_size, count, count))
    return chainer.get_device('@cupy:{}'.format(comm.intra_rank))


class Ranks(object):

    """The processes a run trains on, and what a script does with them.

    With a ChainerMN communicator ``comm`` (``None`` for one process):

    - the weights start equal on every rank (broadcast from rank 0), each
      optimizer is ChainerMN's multi-node optimizer (gradients averaged
      over the ranks), made in the same order on every rank;
    - every rank takes its slice of each global batch
      (:class:`~vae_avb.training.multi_node.ShardIterator`) and draws its
      own noise (:meth:`seed_noise`);
    - the reported values are averaged over the ranks, the test set is
      cut between them (ChainerMN's multi-node evaluator), and so are the
      final evaluations (:meth:`rows`);
    - each rank keeps its snapshots (rank 0 in ``--out``, rank ``r`` in
      ``--out/rank<r>``), and a resume takes the newest snapshot every
      rank holds;
    - only rank 0 logs, prints and writes the results.
    """

    def __init__(self, comm=None):
        self.comm = comm
        self.rank = 0 if comm is None else comm.rank
        self.size = 1 if comm is None else comm.size

    @property
    def is_root(self):
        return self.rank == 0

    @property
    def stream(self):
        """Where progress goes: stderr on rank 0, nowhere on the others."""
        return sys.stderr if self.is_root else io.StringIO()

    def collective(self, function, *args, **kwargs):
        """``function(*args, **kwargs)``; with several ranks, an error on
        one of them raised on all (as a :class:`UsageError` where it was
        one)."""
        if self.comm is None:
            return function(*args, **kwargs)
        return any_rank_error(self.comm, function, *args,
                              kinds=(UsageError, _Skip), **kwargs)

    def prepare_out(self, out, files=()):
        """:func:`~vae_avb.experiment.prepare_out` of ``out`` (rank 0, with
        the ``files`` it writes there) or of the rank's snapshot folder
        in it (the others)."""
        self.collective(prepare_out, rank_folder(out, self.rank),
                        files if self.is_root else ())

    def seed_noise(self, device, seed):
        """Gives each rank its own noise stream (NumPy's global generator
        and the device's, seeded from ``seed`` and the rank) once the
        weights are drawn; nothing for one process (with or without a
        communicator: it then trains as without one)."""
        if self.size == 1:
            return
        state = numpy.random.SeedSequence([seed, self.rank])
        value = int(state.generate_state(1)[0])
        numpy.random.seed(value)
        if device.xp is not numpy:
            device.xp.random.seed(value)

    def optimizers(self, optimizers):
        """The dict of optimizers to train with: each wrapped by
        ChainerMN's multi-node optimizer (in the dict's order, the same on
        every rank) after its target's weights are broadcast from rank
        0."""
        if self.comm is None:
            return optimizers
        import chainermn
        wrapped = {}
        for name, optimizer in optimizers.items():
            target = optimizer.target
            self.comm.bcast_data(target)
            multi = chainermn.create_multi_node_optimizer(optimizer,
                                                          self.comm)
            # ChainerMN spends the first update on a broadcast of the
            # weights when it has not seen them yet: they are broadcast
            # above, so the first batch (also after a resume) trains.
            multi.is_changed(target)
            wrapped[name] = multi
        return wrapped

    def iterator(self, iterator):
        """This rank's slice of each of ``iterator``'s batches."""
        if self.comm is None:
            return iterator
        return ShardIterator(iterator, self.rank, self.size)

    def share(self, array, name=None, minimum=1):
        """This rank's contiguous share of the rows of ``array``; with
        ``name`` (``'test images'``), shares of fewer than ``minimum``
        rows are refused (:class:`UsageError` on every rank)."""
        n = len(array)
        if name is not None and n < self.size * minimum:
            raise _usage('the {} {} do not split over {} processes{}: give '
                         'at least {}, or start fewer processes'.format(
                             n, name, self.size, ' ({} each)'.format(minimum)
                             if minimum > 1 else '', self.size * minimum))
        return array[rank_rows(n, self.rank, self.size)]

    def evaluator(self, evaluator):
        """``evaluator`` whose results are averaged over the ranks
        (ChainerMN's multi-node evaluator); give it this rank's share of
        the test set."""
        if self.comm is None:
            return evaluator
        import chainermn
        return chainermn.create_multi_node_evaluator(evaluator, self.comm)

    def extend(self, trainer):
        """The extensions every run has: the number of ranks kept in the
        snapshots and, with several, the reports averaged over them."""
        trainer.extend(RankCount(self.size))
        if self.comm is not None:
            trainer.extend(MeanOverRanks(self.comm))

    def snapshots(self, interval, stop, keep):
        """The snapshot extension: one file per rank and snapshot."""
        if self.comm is None:
            return Snapshots(interval, stop, keep)
        return MultiNodeSnapshots(self.comm, interval, stop, keep)

    def resume(self, trainer, spec):
        """:func:`~vae_avb.experiment.resume` on every rank: with several,
        ``--resume auto`` takes the newest snapshot that every rank holds
        and reads back, and a file ``DIR/NAME`` on rank 0 is
        ``DIR/rank<r>/NAME`` on rank ``r``."""
        if self.comm is None:
            return resume(trainer, spec)
        folder = rank_folder(trainer.out, self.rank)
        if spec is None:
            # A refused start leaves no rank folder it made: script_main.
            return self.collective(self._fresh, trainer, folder)
        if spec != 'auto':
            if re.match(r'^rank\d+$', os.path.basename(
                    os.path.dirname(os.path.abspath(spec)))):
                raise _usage('--resume {} is another rank\'s snapshot; give '
                             'rank 0\'s (the file of that name in --out), or '
                             '--resume auto'.format(spec))
            path = rank_folder(os.path.dirname(spec) or '.', self.rank)
            path = os.path.join(path, os.path.basename(spec))
            self.collective(self._load, trainer, path)
            self._resumed(path, trainer)
            return path
        mine = [iteration for iteration, _ in list_snapshots(folder)]
        held = self.comm.mpi_comm.allgather(mine)
        candidates = sorted(set().union(*held), reverse=True)
        corrupt = False
        for iteration in candidates:
            path = os.path.join(folder, SNAPSHOT_NAME.format(iteration))
            lacking = [r for r, its in enumerate(held) if iteration not in its]
            if lacking:
                # Not loaded anywhere (the ranks that hold it would go on
                # from it and the others not), unless it was written by
                # another number of ranks: a run of one process, say, that
                # this run would start afresh over.
                stored = snapshot_ranks(path) if iteration in mine else None
                error = None
                if stored is not None and stored != self.size:
                    error = UsageError(other_ranks(stored, self.size))
                errors = gather_errors(self.comm, error)
                if errors:
                    self._raise_on_every_rank(error, errors[0])
                if self.is_root:
                    print('warning: skipped the snapshots of iteration {}: '
                          'rank {} has none'.format(iteration, lacking[0]),
                          file=sys.stderr)
                continue
            error = None
            try:
                self._load(trainer, path)
            except UsageError as e:  # _Skip included.
                error = e
            errors = gather_errors(self.comm, error)
            if not errors:
                self._resumed(path, trainer)
                return path
            # A snapshot that reads but does not fit ends the search, as
            # for one process; missing or corrupt ones are passed over.
            hard = [e for e in errors if e[1] != '_Skip']
            corrupt = True
            if hard:
                self._raise_on_every_rank(error, hard[0])
            rank, _, message = errors[0]
            if self.is_root:
                print('warning: skipped the snapshots of iteration {}: rank '
                      '{}: {}'.format(iteration, rank, message),
                      file=sys.stderr)
        if corrupt or len(candidates) > 1:
            raise _usage('no snapshot that every process holds reads back '
                         'in {} and its rank folders; move them away to '
                         'start afresh'.format(trainer.out))
        # None, or only some ranks' of one iteration: a kill while the
        # ranks wrote their first snapshot, which the run writes again.
        # (With more, a rank's folder is gone: refused above.)
        if self.is_root:
            print('no snapshot {}in {}; starting afresh'.format(
                'that every process holds ' if candidates else '',
                trainer.out))
        return None

    def _raise_on_every_rank(self, error, first):
        """Raises ``first`` (``(rank, type name, message)`` of
        :func:`gather_errors`) on every rank: this rank's ``error`` where
        it is its own, else a :class:`UsageError` naming the rank."""
        rank, _, message = first
        if rank != self.rank:
            error = UsageError('rank {}: {}'.format(rank, message))
        error.on_every_rank = True
        raise error

    def _fresh(self, trainer, folder):
        if self.is_root:
            resume(trainer, None)
        elif list_snapshots(folder):
            raise UsageError(
                '{} already holds snapshots; add --resume to continue that '
                'run, or choose another --out'.format(folder))

    def _load(self, trainer, path):
        if not os.path.lexists(path):
            raise _Skip('snapshot {} does not exist; give rank 0\'s snapshot '
                        'in --out (each rank reads its own of that name), or '
                        '--resume auto'.format(path))
        try:
            load_snapshot(path, trainer)
        except CorruptSnapshotError as e:
            raise _Skip(str(e))
        except SnapshotError as e:
            raise UsageError(str(e))

    def _resumed(self, path, trainer):
        if self.is_root:
            print('resumed from {} and the rank folders (iteration {})'.format(
                path, trainer.updater.iteration))

    def rows(self, function, x):
        """``function(x)`` for a ``function`` of the rows of ``x`` that
        returns one value per row (a log-likelihood per image), computed
        on each rank's share and gathered: the whole array on every
        rank."""
        if self.comm is None:
            return function(x)
        mine = function(self.share(x)) if len(self.share(x)) else None
        parts = [part for part in self.comm.mpi_comm.allgather(
            None if mine is None else chainer.backend.CpuDevice().send(mine))
            if part is not None]
        return numpy.concatenate(parts)


class _Skip(UsageError):
    """A rank's snapshot of some iteration is missing or corrupt."""
