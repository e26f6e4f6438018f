#!/usr/bin/env python
"""Makes the MNIST VAE figures from a model saved by ``train_vae.py``.

Reads ``model.npz`` and ``model.json`` from ``--snapshot`` (a training
``--out`` folder) and writes the figures to ``--out`` (default: the same
folder, whose figures it makes again), without training. ``--test``
figures (100 test images) are refused over the run's own, and an
``--out`` that is another run's folder is refused.
"""
import os
import sys

from vae_avb import experiment as ex
from vae_avb.datasets.mnist import BINARIZATIONS
from vae_avb.training import load_snapshot
from vae_avb.training import SnapshotError
from vae_avb.functions import ACTIVATIONS
from vae_avb.visualization import make_vae_figures
from vae_avb.visualization import vae_figure_names
from vae_avb.links.mlp import MAX_LAYERS


@ex.script_main
def main(argv=None):
    parser = ex.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--snapshot', '-s', required=True,
                        help='folder written by train_vae.py')
    parser.add_argument('--out', '-o', help='default: --snapshot')
    ex.add_device_argument(parser)
    parser.add_argument('--test', action='store_true',
                        help='use 100 test images only')
    args = parser.parse_args(argv)
    device = ex.resolve_device(parser, args.device)
    config_path = os.path.join(args.snapshot, 'model.json')
    config = ex.read_json(
        config_path, 'pass the --out folder '
        'of a finished train_vae.py run',
        ['dim_z', 'dim_h', 'n_layers', 'activation', 'binarize', 'seed'])
    # Runs before --arch (2026-12-06) were MLPs; a conv run has no MLP
    # sizes.
    arch = config.get('arch', 'mlp')
    # And before --conv-padding, every conv run padded 'same'.
    conv_padding = config.get('conv_padding', 'same')
    if conv_padding not in ex.CONV_PADDINGS or \
            (arch != 'conv' and conv_padding != 'same'):
        raise ex.UsageError('{}: conv_padding must be one of {} (same for '
                            'arch mlp), got {!r}; pass the --out folder of '
                            'a finished train_vae.py run'.format(
                                config_path, ', '.join(ex.CONV_PADDINGS),
                                conv_padding))
    if arch not in ex.ARCHITECTURES:
        raise ex.UsageError('{}: arch must be one of {}, got {!r}; pass the '
                            '--out folder of a finished train_vae.py '
                            'run'.format(config_path,
                                         ', '.join(ex.ARCHITECTURES), arch))

    def mlp_entry(check):
        return (lambda v: v is None) if arch == 'conv' else check

    ex.check_entries(config_path, config, {
        'dim_z': (ex.is_int(1), 'a positive integer'),
        'dim_h': (mlp_entry(ex.is_int(1)), 'a positive integer (null for '
                  'conv)'),
        'n_layers': (mlp_entry(ex.is_int(1, MAX_LAYERS)),
                     'an integer from 1 to {} (null for conv)'.format(
                         MAX_LAYERS)),
        'activation': (mlp_entry(lambda v: v in ACTIVATIONS),
                       'one of ' + ', '.join(sorted(ACTIVATIONS)) +
                       ' (null for conv)'),
        'binarize': (lambda v: v in BINARIZATIONS,
                     'one of ' + ', '.join(BINARIZATIONS)),
        'seed': (ex.is_int(0, 2 ** 32 - 1), 'an integer seed'),
        'data': (lambda v: v is None or isinstance(v, str),
                 'a file name or null')},
        'pass the --out folder of a finished train_vae.py run')
    # The sizes against the memory before anything is built.
    z = config['dim_z']
    try:
        params = ex.conv_vae_config(z, conv_padding).n_params() \
            if arch == 'conv' else \
            ex.mlp_parameters(784, config['dim_h'], config['n_layers'],
                              2 * z) + \
            ex.mlp_parameters(z, config['dim_h'], config['n_layers'], 784)
    except ValueError as e:
        raise ex.UsageError('{}: {}'.format(config_path, str(e).replace(
            'MethodConfig: ', '')))
    ex.check_memory(parser, {'the networks': params * ex.PER_PARAMETER},
                    'the sizes in {}'.format(config_path))
    out = args.out or args.snapshot
    figures = [os.path.join(out, name)
               for name in vae_figure_names(config['dim_z'])]
    ex.check_output_files(figures)
    if os.path.realpath(out) == os.path.realpath(args.snapshot):
        if args.test and any(os.path.lexists(f) for f in figures):
            raise ex.UsageError(
                '--test makes the figures of 100 test images, which would '
                'replace the run\'s own in {}; pass --out to write them '
                'elsewhere'.format(out))
    else:
        run = [name for name in ('model.npz', 'model.json', 'metrics.json')
               if os.path.lexists(os.path.join(out, name))]
        if run:
            raise ex.UsageError(
                '--out {} is another run\'s folder (it holds {}), whose '
                'figures this would replace; choose another --out'.format(
                    out, run[0]))
    vae = ex.build_vae(arch, config['dim_z'], config['dim_h'],
                       config['n_layers'], config['activation'], conv_padding)
    try:
        load_snapshot(os.path.join(args.snapshot, 'model.npz'), vae,
                      fix='pass the --out folder of a finished train_vae.py '
                      'run, its model.json and model.npz as it wrote them')
    except SnapshotError as e:
        raise ex.UsageError(str(e))
    vae.to_device(device)
    device.use()
    train, test, labels = ex.load_data(config['binarize'], config['seed'],
                                       config.get('data'), args.test)
    ex.prepare_out(out)
    written = make_vae_figures(vae, train, test, labels, out)
    print('\n'.join(['figures written:'] + written))
    return written


if __name__ == '__main__':
    ex.run_main(main, sys.argv[1:])
