"""Reproduction folders: one training run per sub-folder, finished when
its ``metrics.json`` is written."""
import contextlib
import importlib.util
import io
import json
import os

from vae_avb.experiment.errors import UsageError
from vae_avb.experiment.files import check_output_files
from vae_avb.experiment.files import read_json
from vae_avb.experiment.jobs import Job
from vae_avb.experiment.metrics import METRICS
from vae_avb.experiment.output import newest_snapshot
from vae_avb.experiment.runs import ARGS_FILE
from vae_avb.experiment.trainer import neutral_flags_dropped
from vae_avb.experiment.trainer import NOT_TRAINING
from vae_avb.utils.archive import ArchiveError
from vae_avb.utils.archive import read_npz

# Where a snapshot keeps the run's training flags (RunFlags), and the
# most bytes that entry may unpack to.
RUN_FLAGS_ENTRY = 'extensions/RunFlags/flags'
MAX_FLAGS_BYTES = 2 ** 20

# The flags of a training script that change nothing in a run's numbers:
# a kept run may differ from the command planned for it in these only.
UNCOMPARED = ('out', 'resume', 'snapshot_every', 'keep_snapshots',
              'ais_batch_size', 'communicator', 'device', 'config')


def finished(run_out):
    """Whether the run in ``run_out`` wrote its metrics (a file that does
    not read back, torn by an old version or crafted, is no finished
    run: the run is continued and writes it again)."""
    try:
        read_json(os.path.join(run_out, METRICS))
    except UsageError:
        return False
    return True


def plan_runs(jobs, out, resume, run_out, parse_args=None, outputs=()):
    """The jobs still to run in the reproduction folder ``out``.

    Without ``resume`` every job runs, and an ``out`` that already holds
    any of their runs, or any of the reproduction's own ``outputs`` (its
    tables, written by an earlier invocation), is refused (nothing
    written is mixed or overwritten); with it the finished runs are kept
    (one line each) and the others continue from their newest snapshot
    (``--resume auto``). With ``parse_args``, a kept run made with other
    flags than its job's is refused first (:func:`refuse_kept_flags`).
    An output path that cannot name a file (a folder there) is refused
    either way, before anything trains.

    Args:
        jobs (list of Job): One per run; ``job.argv`` is ``[python,
            script, flags...]``.
        out (str): The reproduction's folder.
        resume (bool): ``--resume`` was given.
        run_out (callable): ``run_out(job)``, the run's ``--out``.
        parse_args (callable): The training script's ``parse_args(argv)``.
        outputs (list of str): The files the reproduction writes in
            ``out`` after its runs (paths).

    Raises:
        UsageError: Runs or outputs exist and ``resume`` is false, an
        output path is a folder, or a kept run's flags differ from its
        job's.
    """
    outputs = check_output_files(list(outputs))
    started = [job.key for job in jobs if os.path.isdir(run_out(job))
               and os.listdir(run_out(job))]
    if not resume:
        if started:
            raise UsageError('--out {} already holds runs ({}); add --resume '
                             'to continue them, or choose another --out'
                             .format(out, ', '.join(map(str, started))))
        written = [os.path.basename(p) for p in outputs
                   if os.path.lexists(p)]
        if written:
            raise UsageError('--out {} already holds {}, written by an '
                             'earlier run, which this one would overwrite; '
                             'add --resume to keep its runs and write it '
                             'again, or choose another --out'.format(
                                 out, ', '.join(written)))
        return list(jobs)
    if parse_args is not None:
        refuse_kept_flags(jobs, out, run_out, parse_args)
    todo = []
    for job in jobs:
        if finished(run_out(job)):
            print('kept {}: {} is finished'.format(job.name, run_out(job)),
                  flush=True)
        else:
            todo.append(Job(job.key, job.name,
                            job.argv + ['--resume', 'auto'], job.log))
    return todo


def load_script(path):
    """The module of the script ``path`` (its ``main`` guarded), for its
    ``parse_args``."""
    name = os.path.splitext(os.path.basename(path))[0]
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def parse_planned(jobs, parse_args, script):
    """Each job's flags as the training script ``script`` (a name, for
    the message) reads them, before anything runs: ``{tuple(flags):
    argparse.Namespace}``, ``flags`` being ``job.argv[2:]``.

    A flag a reproduction passes on (``--extra``) that the training
    script refuses is refused here, in one line naming the run and the
    script's own reason, rather than by every run after the others
    trained, or in a usage message carrying the reproduction's name.

    Raises:
        UsageError: ``parse_args`` refuses a job's flags.
    """
    parsed = {}
    for job in jobs:
        flags = tuple(job.argv[2:])
        if flags in parsed:
            continue
        said = io.StringIO()
        try:
            with contextlib.redirect_stderr(said), \
                    contextlib.redirect_stdout(io.StringIO()):
                parsed[flags] = parse_args(list(flags))
        except SystemExit as e:
            if e.code in (0, None):  # --help or --version: no run.
                raise UsageError(
                    'the flags of {} ask {} for its help, which runs '
                    'nothing; pass it no -h/--help (its flags: {} --help)'
                    .format(job.name, script, script))
            lines = [line for line in said.getvalue().splitlines()
                     if line.strip()]
            reason = lines[-1].split(': error: ', 1)[-1] if lines else \
                'no reason given'
            if reason.endswith(' (see --help)'):
                reason = reason[:-len(' (see --help)')]
            raise UsageError('{} refuses the flags of {} ({}); change the '
                             'flags passed on to it'.format(
                                 script, job.name, reason))
    return parsed


def refuse_kept_flags(jobs, out, run_out, parse_args, uncompared=UNCOMPARED):
    """Before anything runs: refuses, in one line, a finished run whose
    flags (its ``args.json``) differ from its job's, other than in
    ``uncompared``. With ``--resume``, another ``--test`` or budget used
    to train the other runs first, or to label the kept runs with a
    command that never ran. Runs without an ``args.json`` (made before
    their script wrote one) are left to the checks of their metrics.

    Args:
        parse_args (callable): ``parse_args(job.argv[2:])``, the training
            script's flags as an ``argparse.Namespace``.
    """
    for job in jobs:
        differ = kept_flags_differ(job.argv, run_out(job), parse_args,
                                   uncompared)
        if differ:
            raise UsageError(
                '{} in --out {} was finished with {}, this run asks for {}; '
                'resume with the flags that made it, move it away, or '
                'choose another --out'.format(job.key, out, *differ))
        differ = started_flags_differ(job.argv, run_out(job), parse_args)
        if differ:
            raise UsageError(
                '{} in --out {} was started with {} (its newest snapshot), '
                'this run asks for {}; resume with the flags that made it, '
                'move it away, or choose another --out'.format(
                    job.key, out, *differ))


def kept_flags_differ(argv, folder, parse_args, uncompared=UNCOMPARED):
    """How the finished run in ``folder`` (its ``args.json``) differs from
    the command ``argv`` (``[python, script, flags...]``), other than in
    ``uncompared``: ``(kept, wanted)``, each as flags, or ``None`` when
    it does not (or the run is unfinished or has no ``args.json``)."""
    path = os.path.join(folder, ARGS_FILE)
    if not finished(folder) or not os.path.lexists(path):
        return None
    kept = read_json(path, 'move the run away to train it again')
    wanted = json.loads(json.dumps(vars(parse_args(argv[2:])),
                                   default=str))
    return flags_differ(kept, wanted, uncompared)


def snapshot_flags(folder):
    """The training flags kept in the newest snapshot of ``folder`` (by
    :func:`~vae_avb.experiment.keep_run_flags`), or ``None``: no
    snapshot, none kept, or a file that does not read back (the run's
    own resume then says so, or goes back to an older one)."""
    path = newest_snapshot(folder)
    if path is None:
        return None
    try:
        # The bound by name: the weights beside it are larger.
        entry = read_npz(path, names=[RUN_FLAGS_ENTRY], entry_bytes={
            RUN_FLAGS_ENTRY: MAX_FLAGS_BYTES})[RUN_FLAGS_ENTRY]
        flags = json.loads(str(entry[()]))
    except (OSError, ArchiveError, ValueError, TypeError, IndexError,
            RecursionError):
        return None
    return flags if isinstance(flags, dict) else None


def started_flags_differ(argv, folder, parse_args):
    """How the unfinished run in ``folder`` (the flags its newest snapshot
    keeps) differs from the command ``argv`` in what it trains: ``(kept,
    wanted)``, each as flags, or ``None`` (no such run, or they agree).
    Its resume would refuse these flags, after the runs before it in the
    pool had trained."""
    if finished(folder):
        return None
    kept = snapshot_flags(folder)
    if kept is None:
        return None
    wanted = json.loads(json.dumps(vars(parse_args(argv[2:])),
                                   default=str))
    wanted = {key: value for key, value in wanted.items()
              if key not in NOT_TRAINING and not key.startswith('ais_')}
    return flags_differ(neutral_flags_dropped(kept),
                        neutral_flags_dropped(wanted))


def flags_differ(kept, wanted, uncompared=()):
    """How two runs' flags (``{dest: value}``, as ``args.json`` keeps
    them) differ in the keys both hold, other than ``uncompared``:
    ``(kept, wanted)``, each as :func:`format_flags`, or ``None`` when
    they agree. A key one of them lacks (a flag added since) is not
    compared."""
    differ = sorted(k for k in wanted if k not in uncompared
                    and k in kept and kept[k] != wanted[k])
    if not differ:
        return None
    return format_flags(kept, differ), format_flags(wanted, differ)


def format_flags(flags, keys):
    """``keys`` of ``flags`` (``{dest: value}``) as command-line flags:
    ``--dim-z 8 --lr 0.001``, values other than strings as JSON."""
    return ' '.join('--{} {}'.format(
        k.replace('_', '-'), flags[k] if isinstance(flags[k], str)
        else json.dumps(flags[k])) for k in keys)


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


def earlier_commands(path):
    """The ``commands`` entry of a reproduction's earlier summary file
    ``path`` (a list of argument lists; ``[]`` where there is no file),
    checked, so that a :func:`folder_results` after hours of training
    does not meet a damaged one: call it before the runs too.

    Raises:
        UsageError: The file does not read back, or its ``commands`` is
        not a list of lists of strings.
    """
    if not os.path.lexists(path):
        return []
    fix = ('move it away (the next run with --resume writes it again, '
           'without the commands of models it did not train)')
    summary = read_json(path, fix)
    commands = summary.get('commands', [])
    if not isinstance(commands, list) or not all(
            c is None or isinstance(c, list) and all(
                isinstance(a, str) for a in c) for c in commands):
        raise UsageError('{}: "commands" must be a list of commands (lists '
                         'of strings); {}'.format(path, fix))
    return commands


def folder_results(out, ran, keys, read, comparable, summary, resume,
                   fresh=(), unlike=None):
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
        unlike (callable): ``unlike(key)``, how a kept run's flags differ
            from those this invocation would give it (a string), or a
            false value; such runs are left out too.

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
        earlier = earlier_commands(os.path.join(out, summary))
        for key in keys:
            run_out = os.path.join(out, key)
            if key in results or not finished(run_out):
                continue
            try:
                run = read(run_out)
            except UsageError as e:
                # A kept run this invocation did not ask for: its
                # problem leaves it out, and the table is still written.
                print('left {} out of the table: {}'.format(key, e),
                      flush=True)
                continue
            if not comparable(run[0], reference):
                print('left {} out of the table: its budget or seed differs'
                      .format(run[0].get('model', key)), flush=True)
                continue
            differ = unlike(key) if unlike is not None else None
            if differ:
                print('left {} out of the table: it was made with {}'
                      .format(run[0].get('model', key), differ), flush=True)
                continue
            results[key] = run
            argvs[key] = next((a for a in earlier
                               if isinstance(a, list) and run_out in a),
                              None)
    ordered = [k for k in keys if k in results]
    return {k: results[k] for k in ordered}, [argvs[k] for k in ordered]
