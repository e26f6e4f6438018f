"""Reproduction folders: one training run per sub-folder, finished when
its ``metrics.json`` is written."""
import os

from vae_avb.experiment.errors import UsageError
from vae_avb.experiment.files import read_json
from vae_avb.experiment.jobs import Job
from vae_avb.experiment.metrics import METRICS


def finished(run_out):
    """Whether the run in ``run_out`` wrote its metrics (a file that does
    not read back, torn by an old version or crafted, is no finished
    run: the run is continued and writes it again)."""
    try:
        read_json(os.path.join(run_out, METRICS))
    except UsageError:
        return False
    return True


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


def refuse_kept_unlike(out, keys, read, settings, wanted):
    """Before anything runs: refuses, in one line, a run of ``keys``
    already finished in ``out`` whose ``settings(metrics)`` (a dict) is
    not ``wanted``, so that ``--resume`` with other flags stops before
    the others train rather than after.

    Args:
        read (callable): ``read(run_out)``, a run's results, the metrics
            first.
        settings (callable): ``settings(metrics)``, ``{flag: value}`` of
            the flags a run's metrics record.
        wanted (dict): Those of this invocation.
    """
    for key in keys:
        run_out = os.path.join(out, key)
        if not finished(run_out):
            continue
        have = settings(read(run_out)[0])
        if have != wanted:
            raise UsageError(
                '{} in --out {} was finished with {}, this run asks for {}; '
                'move it away to run it again with these flags, or choose '
                'another --out'.format(key, out, _flags(have),
                                       _flags(wanted)))


def _flags(settings):
    return ' '.join('{} {}'.format(flag, value)
                    for flag, value in sorted(settings.items()))


def folder_results(out, ran, keys, read, comparable, summary, resume,
                   fresh=()):
    """The results a reproduction's table shows, and their commands.

    Those of the runs of this invocation (``ran``: ``{key: argv}``, all
    ``comparable`` with the first run trained now, ``fresh``, or else
    with each other: a run kept from an earlier invocation with another
    budget or seed is refused) and, with ``resume``, every other run in
    ``keys`` already finished in ``out`` and comparable, with its command
    from the folder's earlier ``summary`` file (``{'commands': [...]}``);
    one line for each run left out.

    Args:
        read (callable): ``read(run_out)``, a run's results, the metrics
            first.
        comparable (callable): ``comparable(metrics_a, metrics_b)``.

    Returns:
        tuple: ``{key: results}`` in the order of ``keys`` and the list of
        their commands.
    """
    results = {key: read(os.path.join(out, key)) for key in ran}
    argvs = dict(ran)
    first = next((k for k in fresh if k in results),
                 next(iter(results), None))
    reference = results[first][0] if first is not None else None
    for key, run in results.items():
        if not comparable(run[0], reference):
            raise UsageError(
                '{} in --out {} was finished by an earlier run with another '
                'budget or seed than {}; move it away to run it again with '
                'these flags, or choose another --out'.format(
                    key, out, first))
    if resume and results:
        path = os.path.join(out, summary)
        earlier = read_json(path).get('commands', []) \
            if os.path.lexists(path) else []
        for key in keys:
            run_out = os.path.join(out, key)
            if key in results or not finished(run_out):
                continue
            run = read(run_out)
            if not comparable(run[0], reference):
                print('left {} out of the table: its budget or seed differs'
                      .format(run[0].get('model', key)), flush=True)
                continue
            results[key] = run
            argvs[key] = next((a for a in earlier
                               if isinstance(a, list) and run_out in a),
                              None)
    ordered = [k for k in keys if k in results]
    return {k: results[k] for k in ordered}, [argvs[k] for k in ordered]
