"""The metrics schema: what ``metrics.json`` and ``evaluation.json`` hold.

Written by the training and evaluation scripts and read by the
comparison and reproduction scripts through this one definition.
"""
import os

import numpy

from vae_avb.experiment.errors import UsageError
from vae_avb.experiment.files import all_finite
from vae_avb.experiment.files import check_entries
from vae_avb.experiment.files import is_finite_number
from vae_avb.experiment.files import is_int
from vae_avb.experiment.files import read_array
from vae_avb.experiment.files import read_json
from vae_avb.experiment.files import write_json
from vae_avb.training import NonFiniteLossError

METRICS = 'metrics.json'
EVALUATION = 'evaluation.json'
AIS_LOG_PX = 'ais_log_px.npy'
# A binary image of 784 pixels has log p(x) <= 0, and a model worse than
# 1e6 nats is no model: beyond this an estimate is not one (and the
# differences of two such would overflow).
MAX_ABS_LOG_PX = 1e6
# The entries of ``metrics['ais']`` (settings of the AIS estimate).
AIS_SETTINGS = ('images', 'temperatures', 'leapfrog', 'step', 'chains',
                'adapt', 'batch_size', 'start')
# Those that must agree for two estimates to be paired.
AIS_PAIRING = ('images', 'temperatures', 'leapfrog', 'step', 'chains',
               'adapt')
# What every metrics file with an AIS estimate holds.
AIS_KEYS = ('ais_log_likelihood', 'ais')
# What decides the test images of an AIS estimate (``train_avb.py`` and
# ``evaluate_avb.py`` draw MNIST's test set, binarized dynamically with
# the training --seed + 1; --test keeps its first images, the same).
TEST_IMAGES = 'test_images'
# What a training run's holds besides (train_avb.py).
RUN_KEYS = ('model', 'test_elbo', 'elbo_is_estimate', 'ais_standard_error',
            'epochs', 'train_seconds', 'seed', 'device')


def write_metrics(metrics, out, name=METRICS, quiet=False):
    """Writes ``metrics`` to ``<out>/<name>`` (strict JSON: NaN and inf
    become ``null``) and prints them.

    Raises:
        vae_avb.training.NonFiniteLossError: A result is NaN or inf (the
            file is written, with ``null`` there): the script exits
            non-zero instead of reporting success.
    """
    write_json(os.path.join(out, name), metrics)
    if not quiet:
        width = max((len(key) for key in metrics), default=0)
        for key, value in metrics.items():
            print('{}: {}'.format(key.rjust(width), value))
        print('{} written to {}'.format(name, os.path.abspath(out)))
    bad = [key for key, value in metrics.items() if not all_finite(value)]
    if bad:
        raise NonFiniteLossError(
            '{} in {} is NaN or inf (written as null): the model diverged '
            'or the data hold NaN; lower the step size or check the data, '
            'then train again'.format(', '.join(bad), name))


def read_metrics(folder, keys=(), fix='is the run finished? rerun it with '
                 '--resume to write it again'):
    """The metrics of a finished run or evaluation in ``folder``.

    Reads ``metrics.json`` (a training run) or ``evaluation.json`` (an
    evaluation), which must hold ``keys``; ``fix`` ends the message of a
    file that does not.

    Raises:
        UsageError: ``folder`` is not a folder, is not finished, or its
            file is unreadable or incomplete.
    """
    if not os.path.isdir(folder):
        raise UsageError('{} is not a folder; pass the --out folder of a '
                         'finished run'.format(folder))
    for name in (METRICS, EVALUATION):
        path = os.path.join(folder, name)
        if os.path.lexists(path):
            return read_json(path, fix, keys)
    raise UsageError('{} has neither {} nor {}; is the run finished?'.format(
        folder, METRICS, EVALUATION))


def check_numbers(path, metrics, keys, what):
    """Refuses, in one line naming ``path``, an entry of ``keys`` in
    ``metrics`` that is not a finite number: a diverged run writes null
    for NaN, and a table or mean must not take it in. Missing keys are
    left to :func:`read_metrics`. Returns ``metrics``."""
    return check_entries(path, metrics, {
        key: (is_finite_number, 'a finite number (null: did the run '
              'diverge?)') for key in keys}, what)


def read_ais(folder, keys=()):
    """``(metrics, log_px)`` of a run or evaluation with an AIS estimate:
    its metrics (holding ``keys`` too) and the per-image ``log p(x)``
    they summarise."""
    metrics = read_metrics(
        folder, AIS_KEYS + tuple(keys), 'pass the --out folder of a '
        'train_avb.py run or an evaluate_avb.py evaluation (they hold an '
        'AIS estimate), or finish an interrupted one with --resume')
    ais = metrics['ais']
    again = 'evaluate it again with evaluate_avb.py'
    if not isinstance(ais, dict) or any(k not in ais for k in AIS_PAIRING):
        raise UsageError('{}: its "ais" entry lacks the AIS settings {}; '
                         '{}'.format(folder, ', '.join(AIS_PAIRING), again))
    check_entries(folder, ais, {'images': (is_int(1), 'a positive count')},
                  again)
    number = (lambda v: v is None or isinstance(v, (int, float))
              and not isinstance(v, bool), 'a number')
    check_entries(folder, metrics, {
        k: number for k in ('ais_log_likelihood', 'ais_standard_error',
                            'test_elbo', 'train_seconds')}, again)
    log_px = read_array(os.path.join(folder, AIS_LOG_PX),
                        'the per-image estimates the pairing needs')
    if log_px.dtype.kind != 'f':
        # Integers would wrap around in the differences of a pairing.
        raise UsageError('{}: {} holds {} values, not float estimates; '
                         '{}'.format(folder, AIS_LOG_PX, log_px.dtype, again))
    # Checked and paired in float64, whatever the file's precision.
    log_px = log_px.astype(numpy.float64)
    if log_px.ndim != 1 or len(log_px) != ais['images']:
        raise UsageError('{}: {} has shape {}, but its metrics say {} '
                         'images; {}'.format(folder, AIS_LOG_PX,
                                             log_px.shape, ais['images'],
                                             again))
    if not numpy.isfinite(log_px).all() or (log_px > 0).any() or (
            log_px < -MAX_ABS_LOG_PX).any():
        raise UsageError('{}: {} holds NaN, inf or estimates above 0 or '
                         'below -{:g} nats, which no binary image of 784 '
                         'pixels has; {}'.format(
                             folder, AIS_LOG_PX, MAX_ABS_LOG_PX, again))
    mean = float(numpy.mean(log_px))
    stated = metrics['ais_log_likelihood']
    if stated is None or abs(mean - stated) > 1e-6 * max(1., abs(stated)):
        raise UsageError('{}: {} (mean {:.4f}) does not hold the estimates '
                         'its metrics summarise ({}); {}'.format(
                             folder, AIS_LOG_PX, mean, stated, again))
    return metrics, log_px


def test_images(seed, data='MNIST', binarize='dynamic'):
    """The ``test_images`` entry of an evaluation: the data, binarization
    and seed (the training run's) its test images were drawn with."""
    return {'data': data, 'binarize': binarize, 'seed': seed}


def read_test_images(folder, metrics):
    """What drew the test images of the AIS estimate in ``folder``
    (whose metrics are ``metrics``), as :func:`test_images`; ``None``
    where it is not known (an evaluation whose run folder is gone, a
    file without the seed), which then pairs with anything, as before
    it was checked.

    Raises:
        UsageError: The ``test_images`` entry is not one.
    """
    seed_test = is_int(0, 2 ** 32 - 1)
    if TEST_IMAGES in metrics:  # An evaluation's, recorded.
        value = metrics[TEST_IMAGES]
        if not isinstance(value, dict) or set(value) != set(
                test_images(0)) or not seed_test(value['seed']) or not all(
                isinstance(value[k], str) for k in ('data', 'binarize')):
            raise UsageError('{}: its "{}" entry is {!r}, not the data, '
                             'binarization and seed of its images; '
                             'evaluate it again with evaluate_avb.py'.format(
                                 folder, TEST_IMAGES, value))
        return dict(value)
    if 'run' in metrics:
        # An evaluation written before the entry: its images are those of
        # the run it evaluated (its own "seed" is that of its draws).
        run = metrics['run']
        path = None if not isinstance(run, str) else os.path.join(
            run, 'args.json')
        if path is None or not os.path.isfile(path):
            return None
        try:
            seed = read_json(path).get('seed', 0)
        except UsageError:
            return None
        return test_images(seed) if seed_test(seed) else None
    # A training run's (train_avb.py): its --seed drew them.
    seed = metrics.get('seed')
    return test_images(seed) if seed_test(seed) else None


def ais_pairing(metrics):
    """The AIS settings two estimates must share to be paired."""
    return {k: metrics['ais'].get(k) for k in AIS_PAIRING}
