"""Which process of an ``mpiexec`` launch this is, before and after MPI
starts (no MPI import here: the launchers' environment variables)."""
import os

# The variables the launchers set in each process they start: MPICH's
# Hydra (and srun with PMI) and Open MPI's mpiexec.
_RANK_VARIABLES = ('PMI_RANK', 'OMPI_COMM_WORLD_RANK')
_SIZE_VARIABLES = ('PMI_SIZE', 'OMPI_COMM_WORLD_SIZE')

# The communicator of this process's run, once one is made: (rank, size).
_world = None


def _first_int(names):
    for name in names:
        value = os.environ.get(name, '').strip()
        if value.isdigit():
            return int(value)
    return None


def launcher_size():
    """The number of processes the launcher started (1 without one)."""
    return _first_int(_SIZE_VARIABLES) or 1


def set_world(rank, size):
    """Records this process's rank and the number of ranks of its run."""
    global _world
    _world = (int(rank), int(size))


def world():
    """``(rank, size)`` of this process's run: the communicator's when one
    was made, else the launcher's (``(0, 1)`` for one process)."""
    if _world is not None:
        return _world
    return _first_int(_RANK_VARIABLES) or 0, launcher_size()


def is_root():
    """Whether this process prints the run's messages (rank 0)."""
    return world()[0] == 0
