"""One job pool for the reproduction scripts: training runs as
subprocesses, a few at a time."""
import collections
import ctypes
import os
import signal
import stat
import subprocess
import sys
import time

from vae_avb.experiment.errors import UsageError
from vae_avb.utils.check import check_count
from vae_avb.utils.check import check_positive

Job = collections.namedtuple('Job', 'key name argv log')
Job.__doc__ = """A command of the pool: ``argv`` (``sys.executable`` first),
its output appended to the file ``log``; ``key`` and ``name`` identify it
in messages."""

_PR_SET_PDEATHSIG = 1


def _die_with_parent():  # pragma: no cover (runs in the child)
    # Linux: the child gets SIGKILL when the pool's process dies, so that
    # killing a reproduction script stops its runs too.
    try:
        ctypes.CDLL(None, use_errno=True).prctl(
            _PR_SET_PDEATHSIG, signal.SIGKILL)
    except (AttributeError, OSError):
        pass


def thread_env(threads):
    """The environment of a run limited to ``threads`` BLAS threads."""
    return dict(os.environ, OMP_NUM_THREADS=str(threads),
                OPENBLAS_NUM_THREADS=str(threads),
                MKL_NUM_THREADS=str(threads))


def run_jobs(jobs, parallel, env=None, poll=0.2):
    """Runs ``jobs`` (:class:`Job`), ``parallel`` at a time, in order.

    Each job's output is appended to its log, after a line naming the
    command, so that a resumed reproduction keeps the earlier part. The
    first job that fails stops the pool: the others are killed and a
    one-line :class:`UsageError` names the job, its exit status, the last
    line of its log and the log's path. Ctrl-C (or any error here) kills
    every job before it propagates; a job also dies with this process.

    Returns:
        dict: Seconds each job took, by key.
    """
    parallel = check_count(parallel, 'parallel', 'run_jobs')
    poll = check_positive(poll, 'poll (seconds)', 'run_jobs')
    pending = list(jobs)
    for job in pending:  # Every log checked before any job starts.
        _check_log(job)
    active = []
    seconds = {}
    preexec = _die_with_parent if sys.platform.startswith('linux') else None
    try:
        while pending or active:
            while pending and len(active) < parallel:
                job = pending.pop(0)
                log = _open_log(job)
                log.write('# {}\n'.format(' '.join(job.argv)))
                log.flush()
                print('started {}: {}'.format(job.name, ' '.join(
                    job.argv[1:])), flush=True)
                try:
                    process = subprocess.Popen(
                        job.argv, stdout=log, stderr=subprocess.STDOUT,
                        env=env, preexec_fn=preexec)
                except OSError as e:
                    log.close()
                    raise UsageError('cannot start {} ({}): {}'.format(
                        job.name, e.strerror or e, ' '.join(job.argv)))
                active.append((job, process, log, time.time()))
            time.sleep(poll)
            for entry in list(active):
                job, process, log, began = entry
                if process.poll() is None:
                    continue
                log.close()
                active.remove(entry)
                if process.returncode != 0:
                    raise UsageError('{} failed (exit {}): {}; see {}'.format(
                        job.name, process.returncode, _last_line(job.log),
                        job.log))
                seconds[job.key] = time.time() - began
                print('finished {} in {:.0f} s'.format(
                    job.name, seconds[job.key]), flush=True)
    finally:
        for _, process, log, _ in active:
            if process.poll() is None:
                process.kill()
                process.wait()
            log.close()
    return seconds


def _check_log(job):
    """Refuses a log path where something other than a regular file (or
    nothing) is: a link would be written through, a FIFO would block."""
    try:
        status = os.lstat(job.log)
    except FileNotFoundError:
        return
    except OSError as e:
        raise UsageError('cannot write the log {} of {} ({})'.format(
            job.log, job.name, e.strerror or e))
    if not stat.S_ISREG(status.st_mode):
        raise UsageError('the log {} of {} is not a regular file (a link, '
                         'FIFO or folder is there); move it out of the way'
                         .format(job.log, job.name))


def _open_log(job):
    """The log of ``job`` opened to append, never through a link nor
    blocking on a FIFO (one put there since :func:`_check_log`)."""
    _check_log(job)
    flags = os.O_WRONLY | os.O_APPEND | os.O_CREAT | \
        getattr(os, 'O_NOFOLLOW', 0) | getattr(os, 'O_NONBLOCK', 0)
    try:
        fd = os.open(job.log, flags, 0o666)
    except OSError as e:
        raise UsageError('cannot write the log {} of {} ({}); move what is '
                         'there out of the way'.format(
                             job.log, job.name, e.strerror or e))
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise UsageError('the log {} of {} is not a regular file; move '
                             'it out of the way'.format(job.log, job.name))
        os.set_blocking(fd, True)
        return os.fdopen(fd, 'a')
    except BaseException:
        os.close(fd)
        raise


# The end of a log read for its last line.
_TAIL_BYTES = 65536


def _last_line(path):
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, 'O_NOFOLLOW', 0) |
                     getattr(os, 'O_NONBLOCK', 0))
    except OSError:
        return '(log unreadable)'
    with os.fdopen(fd, 'rb') as f:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return '(log unreadable)'
        size = os.fstat(fd).st_size
        f.seek(max(0, size - _TAIL_BYTES))
        lines = f.read().decode('utf-8', 'replace').strip().splitlines()
    return lines[-1] if lines else '(no output)'
