"""Reproduction folders: one training run per sub-folder, finished when
its ``metrics.json`` is written."""
import os

from vae_avb.experiment.errors import UsageError
from vae_avb.experiment.jobs import Job
from vae_avb.experiment.metrics import METRICS


def finished(run_out):
    """Whether the run in ``run_out`` wrote its metrics."""
    return os.path.lexists(os.path.join(run_out, METRICS))


def plan_runs(jobs, out, resume, run_out):
    """The jobs still to run in the reproduction folder ``out``.

    Without ``resume`` every job runs, and an ``out`` that already holds
    any of their runs is refused (nothing written is mixed or
    overwritten); with it the finished runs are kept (one line each) and
    the others continue from their newest snapshot (``--resume auto``).

    Args:
        jobs (list of Job): One per run.
        out (str): The reproduction's folder.
        resume (bool): ``--resume`` was given.
        run_out (callable): ``run_out(job)``, the run's ``--out``.

    Raises:
        UsageError: Runs exist and ``resume`` is false.
    """
    started = [job.key for job in jobs if os.path.isdir(run_out(job))
               and os.listdir(run_out(job))]
    if not resume:
        if started:
            raise UsageError('--out {} already holds runs ({}); add --resume '
                             'to continue them, or choose another --out'
                             .format(out, ', '.join(map(str, started))))
        return list(jobs)
    todo = []
    for job in jobs:
        if finished(run_out(job)):
            print('kept {}: {} is finished'.format(job.name, run_out(job)),
                  flush=True)
        else:
            todo.append(Job(job.key, job.name,
                            job.argv + ['--resume', 'auto'], job.log))
    return todo
