"""Command-line helpers shared by the example scripts."""
import argparse
import json
import os
import sys

import numpy

import chainer

from vae_avb.training import NonFiniteLossError


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


def add_device_argument(parser):
    parser.add_argument('--device', '-d', default='-1',
                        help='@numpy or -1 for the CPU, 0 or @cupy:0 for a '
                        'GPU')


def resolve_device(parser, spec):
    """Returns the Chainer device for ``spec`` or exits with a usage error."""
    try:
        return chainer.get_device(spec)
    except Exception as e:
        parser.error('unknown --device {!r} ({}); use -1 or @numpy for the '
                     'CPU, 0 or @cupy:0 for a GPU'.format(spec, e))


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
    """Runs an example's ``main``; a diverged run exits 1 with one line."""
    try:
        return main(argv)
    except NonFiniteLossError as e:
        sys.exit('error: {}'.format(e))
