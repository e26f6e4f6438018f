"""Argument types and the flags every script shares."""
import argparse
import re
import sys
import time

import numpy

import chainer

from vae_avb.evaluation.ais import MAX_TEMPERATURES
from vae_avb.experiment.errors import one_line_text
from vae_avb.links.mlp import MAX_LAYERS
from vae_avb.utils.check import MAX_COUNT
from vae_avb.utils.check import one_line
from vae_avb.utils import mpi


class ArgumentParser(argparse.ArgumentParser):

    """``argparse.ArgumentParser`` whose errors take one line.

    argparse prints the whole usage before an error; a script's user sees
    ``prog: error: <problem and fix>`` instead (and ``--help`` for the
    usage), with exit status 2 as argparse gives. Under ``mpiexec`` every
    process parses the same flags and rank 0 prints what they say (the
    help, an error); another rank's error, which rank 0's own would have
    ended first, is printed after a pause, with its rank.

    Long flags are taken whole only (``allow_abbrev=False``): a command
    line recorded with a run names its settings as the script reads them,
    and a script that passes flags on (``reproduce_table2.py --extra``)
    can refuse the ones it sets itself by name.
    """

    def __init__(self, *args, **kwargs):
        kwargs.setdefault('allow_abbrev', False)
        super(ArgumentParser, self).__init__(*args, **kwargs)

    def error(self, message):
        rank = mpi.world()[0]
        if rank:
            time.sleep(2)  # Rank 0's same error ends this process first.
            message = 'rank {}: {}'.format(rank, message)
        sys.stderr.write('{}: error: {} (see --help)\n'.format(
            self.prog, one_line_text(message)))
        self.exit(2)

    def _print_message(self, message, file=None):
        if mpi.is_root():
            super(ArgumentParser, self)._print_message(message, file)


def positive_int(text):
    """argparse type: an integer from 1 to 2^31 - 1."""
    value = int(text)
    if not 1 <= value <= MAX_COUNT:
        raise argparse.ArgumentTypeError(
            'must be a positive integer{}, got {}'.format(
                '' if value < 1 else ' up to {}'.format(MAX_COUNT), text))
    return value


def non_negative_int(text):
    """argparse type: an integer from 0 to 2^31 - 1."""
    value = int(text)
    if not 0 <= value <= MAX_COUNT:
        raise argparse.ArgumentTypeError(
            'must be an integer from 0 to {}, got {}'.format(MAX_COUNT, text))
    return value


def temperature_count(text):
    """argparse type: a number of AIS temperatures, from 1 to
    :data:`vae_avb.evaluation.ais.MAX_TEMPERATURES` (what
    :func:`~vae_avb.evaluation.ais_log_likelihood` takes)."""
    value = positive_int(text)
    if value > MAX_TEMPERATURES:
        raise argparse.ArgumentTypeError(
            'must be at most {} temperatures, got {}'.format(
                MAX_TEMPERATURES, text))
    return value


def layer_count(text):
    """argparse type: a number of layers, from 1 to
    :data:`vae_avb.links.mlp.MAX_LAYERS`."""
    value = positive_int(text)
    if value > MAX_LAYERS:
        raise argparse.ArgumentTypeError(
            'must be at most {} layers, got {}'.format(MAX_LAYERS, text))
    return value


def positive_float(text):
    """argparse type: a finite number > 0."""
    value = float(text)
    if not 0 < value < float('inf'):
        raise argparse.ArgumentTypeError(
            'must be a positive finite number, got {}'.format(text))
    return value


def non_negative_float(text):
    """argparse type: a finite number >= 0."""
    value = float(text)
    if not 0 <= value < float('inf'):
        raise argparse.ArgumentTypeError(
            'must be a finite number >= 0, got {}'.format(text))
    return value


def unit_interval(text):
    """argparse type: a number in [0, 1]."""
    value = float(text)
    if not 0 <= value <= 1:
        raise argparse.ArgumentTypeError(
            'must be a number from 0 to 1, got {}'.format(text))
    return value


def seed(text):
    """argparse type: a seed NumPy takes, an integer from 0 to 2**32 - 1."""
    value = int(text)
    if not 0 <= value < 2 ** 32:
        raise argparse.ArgumentTypeError(
            'must be an integer from 0 to 4294967295, got {}'.format(text))
    return value


def number_or_none(text):
    """argparse type: a number, or ``none`` for ``None``."""
    if text.lower() == 'none':
        return None
    try:
        return float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            'must be a number or "none", got {!r}'.format(text))


_INTERVAL_RE = re.compile(r'^\s*(\d+)\s*(i|it|iter|iteration|iterations|'
                          r'e|ep|epoch|epochs)?\s*$')


def interval(text):
    """argparse type: ``500`` or ``500iteration`` -> ``(500, 'iteration')``,
    ``2epoch`` or ``2e`` -> ``(2, 'epoch')``."""
    match = _INTERVAL_RE.match(text)
    if not match or int(match.group(1)) < 1:
        raise argparse.ArgumentTypeError(
            'must be a positive count of iterations (500) or epochs '
            '(2epoch), got {!r}'.format(text))
    unit = 'epoch' if (match.group(2) or 'i').startswith('e') \
        else 'iteration'
    return int(match.group(1)), unit


def add_snapshot_arguments(parser, default_interval):
    """``--snapshot-every``, ``--keep-snapshots``, ``--resume``,
    ``--skip-nonfinite`` (README, Runs that survive)."""
    parser.add_argument('--snapshot-every', type=interval,
                        default=default_interval,
                        help='snapshot interval, iterations (500) or epochs '
                        '(1epoch); default: {}{}'.format(*default_interval))
    parser.add_argument('--keep-snapshots', type=positive_int, default=3,
                        help='newest snapshots kept in --out (default: 3)')
    parser.add_argument('--resume', '-r', nargs='?', const='auto',
                        help='continue from a snapshot file, or with no '
                        'value (or "auto") from the newest valid snapshot '
                        'in --out')
    parser.add_argument('--skip-nonfinite', action='store_true',
                        help='skip a batch whose loss is NaN or inf instead '
                        'of stopping')


def decay_ratio(text):
    """argparse type: a step-size factor above 0 and at most 1."""
    value = float(text)
    if not 0 < value <= 1:
        raise argparse.ArgumentTypeError(
            'must be above 0 and at most 1 (a decay), got {}'.format(text))
    return value


def add_decay_arguments(parser, default_start, default_ratio=0.1):
    """``--decay-start`` and ``--decay-ratio``: Adam's step sizes decay
    exponentially over the end of the run
    (:func:`vae_avb.experiment.extend_step_size_decay` reads them).
    ``default_start`` 1 means no decay unless asked."""
    parser.add_argument('--decay-start', type=unit_interval,
                        default=default_start,
                        help='share of the run after which step sizes '
                        'decay (default {:g}{})'.format(
                            default_start,
                            ': no decay' if default_start == 1 else ''))
    parser.add_argument('--decay-ratio', type=decay_ratio,
                        default=default_ratio,
                        help='step-size factor reached at the end, above 0 '
                        'and at most 1 (default {:g})'.format(default_ratio))


def add_ais_arguments(parser, default_size):
    """The ``--ais-*`` flags of the scripts that estimate log p(x) by AIS
    (:func:`vae_avb.experiment.run_ais` reads them)."""
    parser.add_argument('--ais-size', type=positive_int,
                        default=default_size,
                        help='first test images the AIS estimate runs on '
                        '(default {})'.format(default_size))
    parser.add_argument('--ais-temperatures', type=temperature_count,
                        default=2000,
                        help='annealing temperatures from the start '
                        'distribution to the posterior, one HMC move each '
                        '(default 2000, as the authors; more gives a '
                        'tighter estimate in proportion more time)')
    parser.add_argument('--ais-leapfrog', type=positive_int, default=10,
                        help='leapfrog steps of each HMC move (default 10, '
                        'as the authors)')
    parser.add_argument('--ais-step', type=positive_float, default=0.01,
                        help='leapfrog step, in start-distribution stds')
    parser.add_argument('--ais-chains', type=positive_int, default=8,
                        help='chains per image, whose weights are averaged '
                        '(default 8, as the authors)')
    parser.add_argument('--ais-adapt', action=argparse.BooleanOptionalAction,
                        default=True,
                        help='adapt the leapfrog step per chain towards 65 %% '
                        'acceptance, starting from --ais-step (default; '
                        '--no-ais-adapt keeps the authors\' fixed step, '
                        'which barely moves the chains)')
    parser.add_argument('--ais-batch-size', type=positive_int, default=100,
                        help='test images per AIS batch (--ais-chains rows '
                        'each; default 100); on a GPU a larger batch, '
                        'such as 2000, runs faster for the same estimate')


def add_device_argument(parser, default='-1'):
    parser.add_argument('--device', '-d', default=default,
                        help='@numpy or -1 for the CPU, 0 or @cupy:0 for a '
                        'GPU')


def resolve_device(parser, spec):
    """Returns the Chainer device for ``spec`` or exits with a usage error.

    A GPU device is also tried (selected, one array allocated), so a
    missing CuPy, driver or GPU is reported here, on one line, instead of
    as a traceback in the middle of the run.
    """
    names_gpu = spec.strip().startswith('@cupy') or (
        spec.strip().lstrip('-').isdigit() and int(spec) >= 0)
    if names_gpu and not chainer.backend.cuda.available:
        parser.error('--device {} needs CuPy and a CUDA GPU, but CuPy is not '
                     'installed or finds no CUDA; install CuPy for your CUDA '
                     '(pip install cupy-cuda12x) or use --device -1 for the '
                     'CPU'.format(spec))
    try:
        device = chainer.get_device(spec)
    except Exception as e:
        parser.error('unknown --device {!r} ({}); use -1 or @numpy for the '
                     'CPU, 0 or @cupy:0 for a GPU'.format(spec, one_line(e)))
    if device.xp is not numpy:
        try:
            device.use()
            device.xp.zeros(1)
        except Exception as e:
            parser.error('--device {}: the GPU cannot be used ({}); check '
                         'the GPU id and driver, or use --device -1 for the '
                         'CPU'.format(spec, one_line(e)))
    return device
