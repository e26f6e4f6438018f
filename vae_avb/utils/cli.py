"""Command-line helpers shared by the example scripts."""
import argparse
import json
import os
import re
import sys
import tempfile

import numpy

import chainer

from vae_avb.training import load_latest_snapshot
from vae_avb.training import load_snapshot
from vae_avb.training import NonFiniteLossError
from vae_avb.training import SnapshotError
from vae_avb.training.snapshots import list_snapshots
from vae_avb.utils.check import one_line


class UsageError(Exception):
    """Bad input: :func:`run_main` prints it on one line and exits 2."""


class ArgumentParser(argparse.ArgumentParser):

    """``argparse.ArgumentParser`` whose errors take one line.

    argparse prints the whole usage before an error; a script's user sees
    ``prog: error: <problem and fix>`` instead (and ``--help`` for the
    usage), with exit status 2 as argparse gives.
    """

    def error(self, message):
        self.exit(2, '{}: error: {} (see --help)\n'.format(
            self.prog, message))


def positive_int(text):
    """argparse type: an integer >= 1."""
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(
            'must be a positive integer, got {}'.format(text))
    return value


def positive_float(text):
    """argparse type: a number > 0."""
    value = float(text)
    if not value > 0:
        raise argparse.ArgumentTypeError(
            'must be a positive number, got {}'.format(text))
    return value


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


def prepare_out(out):
    """Creates ``out`` if needed and checks that files can be written there.

    Raises:
        UsageError: ``out`` is a file, cannot be created or is not
            writable. Nothing in it is changed.
    """
    if os.path.exists(out) and not os.path.isdir(out):
        raise UsageError('--out {} is a file, not a folder; give a folder '
                         'path'.format(out))
    try:
        os.makedirs(out, exist_ok=True)
        with tempfile.TemporaryFile(dir=out):
            pass
    except OSError as e:
        raise UsageError('--out {} is not writable ({}); choose a folder you '
                         'can write to'.format(out, e.strerror or e))


def resume(trainer, spec):
    """Loads the snapshot ``--resume`` names into ``trainer``.

    ``spec`` is ``None`` (start afresh: refused when ``trainer.out``
    already holds snapshots, which the new run would mix with and prune),
    ``'auto'`` (the newest snapshot in ``trainer.out`` that reads back;
    a fresh start when there is none) or a file.

    Returns:
        str or None: The snapshot loaded.

    Raises:
        UsageError: The snapshot is missing, corrupt or was written by a
            model of other sizes, or a fresh start would mix runs.
    """
    try:
        if spec is None:
            existing = list_snapshots(trainer.out)
            if existing:
                raise UsageError(
                    '--out {} already holds snapshots (newest: iteration '
                    '{}); add --resume to continue that run, or choose '
                    'another --out'.format(trainer.out, existing[-1][0]))
            return None
        if spec == 'auto':
            path = load_latest_snapshot(trainer.out, trainer)
            if path is None:
                if list_snapshots(trainer.out):
                    raise UsageError(
                        'no snapshot in {} reads back (all are corrupt); '
                        'move them away to start afresh'.format(trainer.out))
                print('no snapshot in {}; starting afresh'.format(
                    trainer.out))
                return None
        else:
            path = spec
            load_snapshot(path, trainer)
    except SnapshotError as e:
        raise UsageError(str(e))
    print('resumed from {} (iteration {})'.format(
        path, trainer.updater.iteration))
    return path


def add_device_argument(parser):
    parser.add_argument('--device', '-d', default='-1',
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


def seed_and_use(device, seed):
    """Seeds NumPy's (and the device's) global random state; selects it."""
    numpy.random.seed(seed)
    device.use()
    if device.xp is not numpy:
        device.xp.random.seed(seed)


def write_metrics(metrics, out):
    """Writes ``metrics`` to ``<out>/metrics.json`` and prints them."""
    with open(os.path.join(out, 'metrics.json'), 'w') as f:
        json.dump(metrics, f, indent=2)
    width = max(len(key) for key in metrics)
    for key, value in metrics.items():
        print('{}: {}'.format(key.rjust(width), value))
    print('figures and metrics.json written to {}'.format(
        os.path.abspath(out)))


def run_main(main, argv):
    """Runs an example's ``main`` as a script.

    Bad input (:class:`UsageError`) exits 2 and a diverged run
    (:class:`~vae_avb.training.NonFiniteLossError`) exits 1, each with one
    line ``<script>: error: ...`` on stderr and no traceback.
    """
    prog = os.path.basename(sys.argv[0])
    try:
        return main(argv)
    except UsageError as e:
        print('{}: error: {}'.format(prog, e), file=sys.stderr)
        sys.exit(2)
    except NonFiniteLossError as e:
        print('{}: error: {}'.format(prog, e), file=sys.stderr)
        sys.exit(1)
