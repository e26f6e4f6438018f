"""The scripts' evaluations, with a line of progress for each long step."""
import contextlib
import os
import sys
import time

import numpy

import chainer

from vae_avb.evaluation import ais_log_likelihood
from vae_avb.evaluation import AISCheckpointError
from vae_avb.evaluation import importance_weighted_log_likelihood
from vae_avb.evaluation import mean_and_standard_error
from vae_avb.evaluation import NonFiniteEstimateError
from vae_avb.evaluation import recorded_seconds
from vae_avb.training import NonFiniteLossError
from vae_avb.training.multi_node import rank_folder
from vae_avb.experiment.errors import UsageError

# The name of the AIS progress file in a run's folder (each rank's own),
# and the seconds between two of its writes inside a batch.
AIS_PROGRESS = 'ais_progress.npz'
AIS_PROGRESS_SECONDS = 60.


@contextlib.contextmanager
def _diverged():
    """A NaN estimate ends a script as a diverged run does: one line,
    exit status 1 (:func:`~vae_avb.experiment.run_main`)."""
    try:
        yield
    except NonFiniteEstimateError as e:
        raise NonFiniteLossError(str(e)) from None


def iwae_with_progress(vae, x, k, batch_size=100, chunk=1000,
                       stream=sys.stderr, max_rows=50000):
    """:func:`~vae_avb.evaluation.importance_weighted_log_likelihood` of
    ``x``, ``chunk`` examples at a time with one line of progress each
    (the same draws, hence the same numbers, as one call: ``chunk`` is a
    multiple of ``batch_size``); ``max_rows`` decoder rows at a time."""
    chunk = max(batch_size, chunk // batch_size * batch_size)
    began = time.time()
    parts = []
    for start in range(0, len(x), chunk):
        with _diverged():
            parts.append(importance_weighted_log_likelihood(
                vae, x[start:start + chunk], k=k, batch_size=batch_size,
                max_rows=max_rows))
        done = min(start + chunk, len(x))
        stream.write('log-likelihood (k = {}): {}/{} examples, mean {:.3f}, '
                     '{:.0f} s\n'.format(k, done, len(x),
                                         numpy.concatenate(parts).mean(),
                                         time.time() - began))
        stream.flush()
    return numpy.concatenate(parts)


def run_ais(args, method, model, x, ranks=None, out=None, fresh=False,
            replace=True):
    """AIS on the images ``x`` (on the model's device) with the ``--ais-*``
    flags of ``args`` (:func:`~vae_avb.experiment.add_ais_arguments`),
    starting where ``method`` says; with several
    :class:`~vae_avb.experiment.distributed.Ranks`, each takes its share
    of the images (and its own noise) and rank 0 shows the progress.

    With ``out``, the estimate keeps its progress in ``AIS_PROGRESS``
    there (a rank other than 0 in its own folder of ``out``) and a run
    killed during it goes on where it was; on the CPU the numbers are
    then those of a run never killed. ``fresh`` (a run started afresh,
    not resumed) first removes what an earlier run left there; a file of
    another estimate (other ``--ais-*`` flags) or one that cannot be read
    is replaced, with a line saying so (``replace``, a training run's own
    folder), or refused, the file kept (not ``replace``: an evaluation's
    ``--out``, which may hold the progress of an evaluation with other
    flags).

    Raises:
        UsageError: Not ``replace``, and the progress file there is of
            another estimate or cannot be read.

    Returns:
        tuple: ``log p(x)`` per image (NumPy) and the metrics entries
        ``ais_log_likelihood``, ``ais_standard_error`` and ``ais`` (the
        settings, the start, the acceptance rate and the seconds: with
        ``out``, those of the runs killed during the estimate included up
        to their last write, as the training seconds include those
        before a resume).
    """
    began = time.monotonic()  # A wall clock set back would count less.
    progress = ranks is None or ranks.is_root
    path = None if out is None else os.path.join(
        rank_folder(out, 0 if ranks is None else ranks.rank), AIS_PROGRESS)
    if path is not None and fresh and os.path.lexists(path) and not \
            os.path.isdir(path):
        os.remove(path)

    def ais(images):
        # The seconds of the runs killed during this estimate (up to their
        # last write), kept in its progress file (a file written before
        # 2026-12-07, or none: 0), then this run's, its start included.
        earlier = (None if path is None else recorded_seconds(path)) or 0.
        start = method.ais_start(model, images)

        def call():
            return ais_log_likelihood(
                model.decoder, images, args.ais_temperatures,
                args.ais_leapfrog, args.ais_step, args.ais_chains,
                start=start,
                batch_size=args.ais_batch_size,
                adapt_step_size=args.ais_adapt, return_acceptance=True,
                progress=progress, checkpoint=path,
                checkpoint_every=AIS_PROGRESS_SECONDS)

        try:
            with _diverged():
                log_px, acceptance = call()
        except AISCheckpointError as e:
            if os.path.isdir(path) and not os.path.islink(path):
                raise UsageError('{} is a folder, where the AIS progress '
                                 'file goes; move it away'.format(path))
            if not replace:
                # Nothing already written is lost: refused, as the other
                # files of an evaluation in --out are.
                if e.other_estimate is not None:
                    raise UsageError(
                        '--out {} holds the AIS progress of an evaluation '
                        'with other settings ({} holds an estimate of {}); '
                        'give another --out, or the same flags (--seed, '
                        '--ais-*) as that evaluation'.format(
                            out, path, e.other_estimate))
                raise UsageError('--out {} holds an AIS progress file this '
                                 'evaluation cannot use ({}); give another '
                                 '--out'.format(out, e.problem))
            # Checked before any draw: the call again is the first one.
            sys.stderr.write('{}: starting the estimate afresh\n'.format(
                e.problem))
            os.remove(path)
            earlier = 0.  # Another estimate's seconds.
            with _diverged():
                log_px, acceptance = call()
        seconds = earlier + time.monotonic() - began
        return chainer.backend.CpuDevice().send(log_px), acceptance, seconds

    if ranks is None or ranks.size == 1:
        log_px, acceptance, seconds = ais(x)
    else:
        def rows_of(images):
            # Each image with its rank's acceptance rate and seconds,
            # gathered as rows.
            log_px, acceptance, seconds = ais(images)
            return numpy.stack([log_px, numpy.full(len(log_px), acceptance),
                                numpy.full(len(log_px), seconds)], axis=1)
        rows = ranks.rows(rows_of, x)
        log_px, acceptance = rows[:, 0], float(rows[:, 1].mean())
        # The ranks run side by side: the estimate took the slowest's.
        seconds = float(rows[:, 2].max())
    mean, error = mean_and_standard_error(log_px)
    return log_px, {
        'ais_log_likelihood': mean,
        'ais_standard_error': error,
        'ais': {'images': len(log_px), 'temperatures': args.ais_temperatures,
                'leapfrog': args.ais_leapfrog, 'step': args.ais_step,
                'chains': args.ais_chains, 'adapt': args.ais_adapt,
                'batch_size': args.ais_batch_size,
                'start': method.ais_start_name,
                'acceptance': acceptance, 'seconds': seconds}}
