"""Runs an example script (one process, or one rank under mpiexec) with
the encoder and prior noise made independent of the number of ranks.

    python tests/mpi_worker.py [--fault KIND:RANK:CALL] SCRIPT FLAGS...

Each rank has its own noise stream, so a run on two ranks cannot draw
the noise of a one-process run. Here every draw of
``numpy.random.standard_normal`` is replaced by the rank's slice of one
draw for the global batch, made from the call's number: the batch axis
(the first axis whose length is this rank's batch) is widened to the
global batch, the values drawn, and the rank's rows kept. Two ranks with
half the batch each then see the noise of one process with the whole
batch, and the runs must agree to float rounding (tests/test_multi_node.py).

``--fault KIND:RANK:CALL`` makes rank RANK's draw number CALL fail:
``nan`` (the noise is NaN), ``memory`` (MemoryError) or ``bug``
(RuntimeError); ``--fault small:RANK:0`` makes rank RANK see 1 MiB of
free memory (a node with less), which its flag checks refuse;
``--fault full:RANK:0`` makes its snapshot writes find the disk full.
"""
import errno
import os
import runpy
import sys

import numpy

from vae_avb.utils import mpi

_calls = [0]
_batch = [None]
_fault = [None]


def standard_normal(size=None):
    call = _calls[0]
    _calls[0] += 1
    rank, ranks = mpi.world()
    shape = (size,) if isinstance(size, int) else tuple(size or ())
    fault = _fault[0]
    if fault is not None and fault[1] == rank and fault[2] == call:
        if fault[0] == 'memory':
            raise MemoryError()
        if fault[0] == 'bug':
            raise RuntimeError('injected failure on rank {}'.format(rank))
    local = _batch[0] // ranks
    axis = next((i for i, n in enumerate(shape) if n == local), None)
    rng = numpy.random.RandomState(call)
    if axis is None or ranks == 1:
        value = rng.standard_normal(shape)
    else:
        full = list(shape)
        full[axis] = local * ranks
        value = rng.standard_normal(full)
        index = [slice(None)] * len(shape)
        index[axis] = slice(rank * local, (rank + 1) * local)
        value = value[tuple(index)]
    if fault is not None and fault[0] == 'nan' and fault[1] == rank and \
            fault[2] == call:
        value = value * numpy.nan
    return value


def disk_full(path, *args, **kwargs):
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), path)


def main(argv):
    if argv[0] == '--fault':
        kind, rank, call = argv[1].split(':')
        _fault[0] = (kind, int(rank), int(call))
        argv = argv[2:]
        if kind == 'small' and mpi.world()[0] == int(rank):
            from vae_avb.experiment import memory
            memory.available_memory = lambda: 2 ** 20
        if kind == 'full' and mpi.world()[0] == int(rank):
            from vae_avb.training import snapshots
            snapshots.save_atomic = disk_full
    script, flags = argv[0], argv[1:]
    _batch[0] = int(flags[flags.index('--batch-size') + 1]) \
        if '--batch-size' in flags else 100
    numpy.random.standard_normal = standard_normal
    sys.argv = [script] + flags
    runpy.run_path(script, run_name='__main__')


if __name__ == '__main__':
    main(sys.argv[1:])
