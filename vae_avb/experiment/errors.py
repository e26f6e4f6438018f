"""The one-line errors of the scripts and the runner that prints them."""
import errno
import os
import signal
import sys
import time
import traceback

from vae_avb.training import NonFiniteLossError
from vae_avb.utils import mpi


# Errors of the machine, not of the program: reported in one line.
_ENVIRONMENT_ERRORS = (errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES,
                       errno.EPERM, errno.EIO, errno.ENOENT, errno.ENOTDIR,
                       errno.EMFILE, errno.ENFILE, errno.EFBIG, errno.EISDIR,
                       errno.ENXIO, errno.ENAMETOOLONG, errno.ELOOP)
_FULL = (errno.ENOSPC, errno.EDQUOT, errno.EFBIG)
# The flags that size what a script holds in memory, by its folder and
# name under examples/ (others: the sizes in general).
_MEMORY_FLAGS = {
    ('mnist', 'train_avb.py'): '--batch-size, --ais-batch-size, '
    '--ais-chains, --dim-h, --adversary-dim-h',
    ('mnist', 'train_vae.py'): '--batch-size, --k, --eval-k, --dim-h',
    ('mnist', 'evaluate_avb.py'): '--ais-batch-size, --ais-chains',
    ('chainer_vae', 'train_vae.py'): '--batch-size, --k, --dim-h',
    ('four_points', 'train.py'): '--batch-size, --eval-samples, '
    '--n-hidden, --n-adversary-hidden',
}


def _interrupt(signum, frame):
    raise KeyboardInterrupt


class UsageError(Exception):
    """Bad input: :func:`run_main` prints it on one line and exits 2."""


def run_main(main, argv):
    """Runs an example's ``main`` as a script.

    Bad input (:class:`UsageError`) exits 2; a diverged run
    (:class:`~vae_avb.training.NonFiniteLossError`), a full disk, a
    read-only or vanished folder and memory running out exit 1; each with
    one line ``<script>: error: ...`` on stderr and no traceback (every
    file is written atomically, so what was written before is whole).
    Ctrl-C (or ``SIGTERM``) exits 130 with one line; the snapshots already
    written are kept.
    """
    prog = os.path.basename(sys.argv[0])
    # SIGTERM (kill, a job scheduler, a parent that died) ends the run as
    # Ctrl-C does: temporary files removed, snapshots kept.
    signal.signal(signal.SIGTERM, _interrupt)
    # Under mpiexec: MPI first, so that a process ending early (a bad
    # flag) ends the others instead of leaving them waiting for it.
    mpi.start_under_launcher()
    try:
        return main(argv)
    except SystemExit as e:
        if mpi.world()[1] > 1:
            _end_every_rank(e.code if isinstance(e.code, int) else 1)
        raise
    except BaseException as e:
        code, line = _report(e, prog)
        rank, size = mpi.world()
        if isinstance(e, KeyboardInterrupt) and rank > 0:
            # Ctrl-C reaches every rank, and rank 0's line ends this
            # process first; a signal to this rank alone is said here.
            _wait(2)
        # An error every rank meets together is shown once, by rank 0.
        shown = size == 1 or rank == 0 or \
            not getattr(e, 'on_every_rank', False)
        if line is None:  # A bug: its traceback.
            if size == 1:
                raise
            if shown:
                traceback.print_exc()
        elif line and shown:
            line = one_line_text(line)
            if rank > 0:
                head = '{}: error: '.format(prog)
                if not line.startswith(head):
                    head = '{}: '.format(prog)
                line = '{}rank {}: {}'.format(head, rank, line[len(head):])
            print(line, file=sys.stderr)
        if size > 1:
            if not shown:
                # Rank 0 prints this error and ends; ending first would
                # make mpiexec end rank 0 before it printed.
                _wait(5)
            _end_every_rank(code)
        sys.exit(code)


def one_line_text(text):
    """``text`` on one line: a line break inside it (a path holding one)
    written as ``\\n`` (``\\r``), so that an error stays one line."""
    return text.replace('\r', '\\r').replace('\n', '\\n')


def _wait(seconds):
    try:
        time.sleep(seconds)
    except KeyboardInterrupt:
        pass


def _end_every_rank(code):
    """Ends this process at once: the other ranks may wait in a collective
    for it, and ending without MPI's finalization makes mpiexec end
    them."""
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def memory_flags(script):
    """The flags that lower what the script at ``script`` holds in
    memory, as a phrase."""
    path = os.path.abspath(script)
    return _MEMORY_FLAGS.get(
        (os.path.basename(os.path.dirname(path)), os.path.basename(path)),
        'the batch sizes and the network widths; see --help')


def _report(e, prog):
    """``(exit status, one line)`` for a known error, ``(1, None)``
    for a bug (whose traceback is shown)."""
    if isinstance(e, UsageError):
        return 2, '{}: error: {}'.format(prog, e)
    if isinstance(e, NonFiniteLossError):
        return 1, '{}: error: {}'.format(prog, e)
    if isinstance(e, MemoryError):
        return 1, ('{}: error: out of memory; lower the sizes ({})'.format(
            prog, memory_flags(sys.argv[0])))
    if isinstance(e, OSError) and not isinstance(e, BrokenPipeError):
        if e.errno not in _ENVIRONMENT_ERRORS:
            return 1, None
        fix = 'free some space' if e.errno in _FULL else \
            'move it out of the way' if e.errno == errno.EISDIR else \
            'shorten the path' if e.errno == errno.ENAMETOOLONG else \
            'check that the folder exists and is writable'
        return 1, ('{}: error: {}{}; {} (the files already written are '
                   'whole; a training run continues with --resume)'.format(
                       prog, e.strerror, ': {}'.format(
                           e.filename2 or e.filename)
                       if e.filename else '', fix))
    if isinstance(e, UnicodeEncodeError):
        return 2, ('{}: error: a path or text cannot be written in this '
                   'locale\'s encoding ({}); use names in UTF-8, or set a '
                   'UTF-8 locale (LANG=C.UTF-8)'.format(prog, e.reason))
    if isinstance(e, BrokenPipeError):
        # The reader of the output went away (``script | head``): nothing
        # more can be printed; Python would print a traceback at exit.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1, ''
    if isinstance(e, KeyboardInterrupt):
        return 130, ('{}: interrupted; the files already written are whole '
                     '(a training run continues from its last snapshot with '
                     '--resume)'.format(prog))
    return 1, None
