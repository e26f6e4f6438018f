#!/usr/bin/env python
"""Makes the MNIST VAE figures from a model saved by ``train_vae.py``.

Reads ``model.npz`` and ``model.json`` from ``--snapshot`` (a training
``--out`` folder) and writes the figures to ``--out`` (default: the same
folder), without training.
"""
import json
import os
import sys

from vae_avb.links import VAE
from vae_avb.training import load_snapshot
from vae_avb.training import SnapshotError
from vae_avb.utils.cli import add_device_argument
from vae_avb.utils.cli import ArgumentParser
from vae_avb.utils.cli import resolve_device
from vae_avb.utils.cli import run_main
from vae_avb.utils.cli import UsageError

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from data import load_data  # NOQA: E402
from figures import make_figures  # NOQA: E402


def main(argv=None):
    parser = ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--snapshot', '-s', required=True,
                        help='folder written by train_vae.py')
    parser.add_argument('--out', '-o', help='default: --snapshot')
    add_device_argument(parser)
    parser.add_argument('--test', action='store_true',
                        help='use 100 test images only')
    args = parser.parse_args(argv)
    device = resolve_device(parser, args.device)
    config_path = os.path.join(args.snapshot, 'model.json')
    if not os.path.isfile(config_path):
        parser.error('no model.json in {}: pass the --out folder of a '
                     'finished train_vae.py run'.format(args.snapshot))
    with open(config_path) as f:
        config = json.load(f)
    vae = VAE.mlp(784, config['dim_z'], config['dim_h'], config['n_layers'],
                  config['activation'])
    try:
        load_snapshot(os.path.join(args.snapshot, 'model.npz'), vae)
    except SnapshotError as e:
        raise UsageError(str(e))
    vae.to_device(device)
    device.use()
    train, test, labels = load_data(config['binarize'], config['seed'],
                                    config.get('data'), args.test)
    out = args.out or args.snapshot
    written = make_figures(vae, train, test, labels, out)
    print('\n'.join(['figures written:'] + written))
    return written


if __name__ == '__main__':
    run_main(main, sys.argv[1:])
