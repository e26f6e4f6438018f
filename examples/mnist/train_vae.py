#!/usr/bin/env python
"""Trains a VAE on MNIST (Kingma & Welling 2013) with Chainer's Trainer.

Defaults follow Chainer's own VAE example (784-500-20 tanh, Adam 1e-3,
batch 100, 100 epochs, grey-level data). At the end the script writes
figures and ``metrics.json`` (nats per test example) to ``--out``.
"""
import os
import sys

import chainer
from chainer import training

from vae_avb import experiment as ex
from vae_avb.datasets import ArrayIterator
from vae_avb.datasets import DynamicBinarized
from vae_avb.datasets import send_array
from vae_avb.datasets.mnist import BINARIZATIONS
from vae_avb.evaluation import mean_report
from vae_avb.functions import reference_path
from vae_avb.losses import ELBOLoss
from vae_avb.optimizers import Adam
from vae_avb.training import KeepState
from vae_avb.training import save_atomic
from vae_avb.training import SkipNonFiniteUpdater
from vae_avb.functions import ACTIVATIONS
from vae_avb.visualization import make_vae_figures
from vae_avb.visualization import vae_figure_names


def parse_args(argv):
    parser = ex.ArgumentParser(description=__doc__.split('\n')[0])
    ex.add_device_argument(parser)
    ex.add_communicator_argument(parser)
    parser.add_argument('--epoch', '-e', type=ex.positive_int,
                        help='epochs (default: 100; 1 with --test)')
    parser.add_argument('--batch-size', '-b', type=ex.positive_int,
                        default=100)
    parser.add_argument('--dim-z', '-z', type=ex.positive_int, default=20)
    ex.add_arch_argument(parser, "the seeds' conv VAE: conv 32 and 64, "
                         '3x3, stride 2, ReLU; transposed conv 64, 32, 1')
    parser.add_argument('--dim-h', type=ex.positive_int,
                        help='--arch mlp: hidden width (default 500)')
    parser.add_argument('--n-layers', type=ex.layer_count,
                        help='--arch mlp: hidden layers in encoder and '
                        'decoder (default 1)')
    parser.add_argument('--activation', choices=sorted(ACTIVATIONS),
                        help='--arch mlp: activation (default tanh)')
    parser.add_argument('--beta', type=ex.non_negative_float, default=1.0,
                        help='KL weight (the seeds\' C)')
    parser.add_argument('--k', type=ex.positive_int, default=1,
                        help='samples of z per example in training')
    parser.add_argument('--lr', type=ex.positive_float, default=1e-3)
    ex.add_decay_arguments(parser, 1.0)
    parser.add_argument('--binarize', choices=BINARIZATIONS, default='none')
    parser.add_argument('--data', help='train on an .npz file with train '
                        'and test arrays of 28x28 images in [0, 1] (and '
                        'optional test_labels) instead of MNIST')
    parser.add_argument('--eval-k', type=ex.positive_int, default=5000,
                        help='importance samples for the test '
                        'log-likelihood')
    parser.add_argument('--eval-size', type=ex.positive_int, default=None,
                        help='test examples used for the log-likelihood '
                        '(default: all)')
    parser.add_argument('--seed', type=ex.seed, default=0)
    parser.add_argument('--out', '-o', default='results/mnist_vae')
    ex.add_snapshot_arguments(parser, (1, 'epoch'))
    parser.add_argument('--plain', action='store_true',
                        help='train on the reference path (Chainer\'s '
                        'SerialIterator, Adam and functions, type checks '
                        'on) instead of the fast path')
    parser.add_argument('--test', action='store_true',
                        help='tiny data and one epoch (unless --epoch is '
                        'given), to check the script')
    args = parser.parse_args(argv)
    ex.resolve_mlp_flags(parser, args, {'dim_h': 500, 'n_layers': 1,
                                        'activation': 'tanh'})
    if args.epoch is None:
        args.epoch = 1 if args.test else 100
    if args.test:
        args.eval_k = min(args.eval_k, 10)
    check_memory(parser, args)
    args.device = ex.resolve_device(parser, args.device)
    return args


def check_memory(parser, args):
    """The sizes against the memory available, before anything is made."""
    h, n, z = args.dim_h, args.n_layers, args.dim_z
    if args.arch == 'conv':
        try:
            config = ex.conv_vae_config(z, args.conv_padding)
        except ValueError as e:
            parser.error('--dim-z {}: {}'.format(
                z, str(e).replace('MethodConfig: ', '')))
        params = config.n_params()
        widths = config.networks.activation_width(config)
    else:
        params = ex.mlp_parameters(784, h, n, 2 * z) + \
            ex.mlp_parameters(z, h, n, 784)
        widths = 2 * (784 + h * n) + 3 * z
    args.eval_rows = ex.evaluation_rows(widths)
    ex.check_memory(parser, {
        'the networks': params * ex.PER_PARAMETER,
        'a training batch': args.batch_size * args.k * widths *
        ex.PER_ACTIVATION,
        # 100 images at a time, the decoder on up to args.eval_rows rows,
        # and every image's eval-k log-weights (float64, twice).
        'the log-likelihood': args.eval_rows * widths * ex.PER_ACTIVATION +
        100 * args.eval_k * 16},
        '--dim-h, --n-layers, --dim-z, --batch-size, --k and --eval-k')


# What plot_vae.py needs to rebuild the model.
MODEL_KEYS = ('arch', 'dim_z', 'dim_h', 'n_layers', 'activation', 'binarize',
              'seed', 'data', 'conv_padding')


def save_model(vae, args):
    """Writes the weights and the sizes that ``plot_vae.py`` rebuilds."""
    save_atomic(os.path.join(args.out, 'model.npz'), vae, check_finite=True)
    config = {key: getattr(args, key) for key in MODEL_KEYS}
    if config['data'] is not None:  # plot_vae.py may run from elsewhere.
        config['data'] = os.path.abspath(config['data'])
    ex.write_json(os.path.join(args.out, 'model.json'), config)


@ex.script_main
def main(argv=None):
    args = parse_args(argv)
    # --plain: Chainer's own functions throughout (the reference path).
    with reference_path(args.plain):
        return train(args)


def train(args):
    # Under mpiexec with --communicator: this process's rank and device.
    ranks = ex.start_ranks(args)
    device = args.device
    # Everything that can be wrong with the input is found before the
    # first file is written (README, Runs that survive).
    train, test, test_labels = ranks.collective(
        ex.load_data, args.binarize, args.seed, args.data, args.test)
    ranks.collective(ex.check_batch_size, args.batch_size, train)
    test_share = ranks.share(test, 'test images')
    ranks.prepare_out(args.out, ['log', 'loss.png', 'model.npz', 'model.json',
                                 'metrics.json'] +
                      vae_figure_names(args.dim_z))
    ex.seed_and_use(device, args.seed)

    vae = ex.build_vae(args.arch, args.dim_z, args.dim_h, args.n_layers,
                       args.activation, args.conv_padding)
    loss = ELBOLoss(vae, beta=args.beta, k=args.k)
    loss.to_device(device)
    ranks.seed_noise(device, args.seed)
    if args.plain:
        optimizer = chainer.optimizers.Adam(args.lr)
        train_iter = chainer.iterators.SerialIterator(train, args.batch_size)
        test_iter = chainer.iterators.SerialIterator(
            test_share, args.batch_size // ranks.size, repeat=False,
            shuffle=False)
        converter = chainer.dataset.concat_examples
    else:
        # The fast path (README, Performance): the same Adam computed in
        # place, batches as array slices kept on the device.
        optimizer = Adam(args.lr)
        train_iter = ArrayIterator(
            train if isinstance(train, DynamicBinarized)
            else device.send(train), args.batch_size, seed=args.seed)
        test_iter = ArrayIterator(device.send(test_share),
                                  args.batch_size // ranks.size,
                                  repeat=False, shuffle=False)
        converter = send_array
    optimizer.setup(loss)
    optimizer = ranks.optimizers({'main': optimizer})['main']
    updater_class = SkipNonFiniteUpdater if args.skip_nonfinite \
        else training.updaters.StandardUpdater
    updater = updater_class(ranks.iterator(train_iter), optimizer,
                            converter=converter, device=device)
    trainer = training.Trainer(updater, (args.epoch, 'epoch'), out=args.out)
    if args.plain and isinstance(train, DynamicBinarized):
        # SerialIterator does not save its dataset's random state.
        trainer.extend(KeepState(train), name='dataset')
    ex.extend_step_size_decay(trainer, [optimizer], args,
                              -(-args.epoch * len(train) // args.batch_size))
    ex.extend_epoch_trainer(trainer, args, test_iter, loss, converter,
                            ['main/loss', 'validation/main/loss',
                             'main/reconstruction', 'main/kl'], ranks)
    ranks.resume(trainer, args.resume)

    # The fast path checked the data once (load_data); Chainer's per-call
    # type checks and our per-batch value checks are then skipped.
    train_seconds = ex.run_trainer(trainer, type_check=args.plain)
    n_trained = args.epoch * len(train)

    # Every rank draws its noise in the order of one process (the test
    # ELBO, then the log-likelihood of its share of the images).
    summary = mean_report(loss, test, args.batch_size)
    eval_x = test[:args.eval_size] if args.eval_size else test
    log_likelihood = ranks.rows(lambda x: ex.iwae_with_progress(
        vae, x, args.eval_k, max_rows=args.eval_rows, stream=ranks.stream),
        eval_x)
    if not ranks.is_root:
        return None
    metrics = {
        'test_elbo': -float(summary['reconstruction'])
        - float(summary['kl']),
        'test_log_likelihood': float(log_likelihood.mean()),
        'test_reconstruction': float(summary['reconstruction']),
        'test_kl': float(summary['kl']),
        'eval_k': args.eval_k,
        'eval_size': len(eval_x),
        'epochs': args.epoch,
        'train_seconds': train_seconds,
        'samples_per_second': n_trained / train_seconds,
        'dim_z': args.dim_z,
        'arch': args.arch,
        'conv_padding': args.conv_padding,
        'binarize': args.binarize,
        'device': str(device),
        'processes': ranks.size,
    }
    save_model(vae, args)
    make_vae_figures(vae, train, test, test_labels, args.out)
    ex.write_metrics(metrics, args.out)
    return metrics


if __name__ == '__main__':
    ex.run_main(main, sys.argv[1:])
