"""Which process of an ``mpiexec`` launch this is, before and after MPI
starts (from the launchers' environment variables, or from MPI)."""
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


def quiet_abort():
    """Before MPI starts: MPICH prints a line of its own when a rank
    aborts; the scripts' one line suffices."""
    os.environ.setdefault('MPIR_CVAR_SUPPRESS_ABORT_MESSAGE', '1')


def start_under_launcher():
    """Starts MPI (``mpi4py.MPI``) when a launcher started several
    processes and mpi4py is installed; nothing otherwise.

    Done before the flags are read: once MPI runs, a process that ends
    makes the launcher end the others, so a check that fails on one
    process only (its node's memory, its GPU) cannot leave the others
    waiting in MPI's start-up for it.
    """
    if launcher_size() < 2 or _world is not None:
        return
    quiet_abort()
    try:
        from mpi4py import MPI
    except ImportError:
        return  # The scripts say what to install (--communicator).
    set_world(MPI.COMM_WORLD.Get_rank(), MPI.COMM_WORLD.Get_size())
