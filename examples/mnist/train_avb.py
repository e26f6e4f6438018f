"""AVB (with or without adaptive contrast) or a VAE on binarized MNIST.

Mescheder et al. 2017, Section 6.2 and Table 2: dynamically binarized
MNIST, the encoder/decoder trained against an adversary (AVB, Algorithm 1),
optionally with adaptive contrast (Algorithm 2), or a VAE with the same
decoder and budget for comparison; the test log-likelihood estimated by
annealed importance sampling as the authors do. Writes ``metrics.json``,
``samples.png`` (the paper's Figure 7), ``reconstructions.png``, the
training log, the weights and ``method.json`` (the model's configuration)
to ``--out``.

    python examples/mnist/train_avb.py --adaptive-contrast --dim-z 32
    python examples/mnist/train_avb.py --method vae --dim-z 32
"""
import os
import sys

import numpy
from chainer import training

from vae_avb import experiment as ex
from vae_avb.datasets import ArrayIterator
from vae_avb.datasets import send_array
from vae_avb.evaluation import mean_report
from vae_avb.methods import make_method
from vae_avb.methods import no_graph
from vae_avb.visualization import save_image_grid


def parse_args(argv):
    parser = ex.ArgumentParser(description=__doc__.split('\n')[0])
    ex.add_method_arguments(parser)
    ex.add_device_argument(parser)
    ex.add_communicator_argument(parser)
    parser.add_argument('--epoch', '-e', type=ex.positive_int,
                        help='training epochs (default 30; 1 with --test)')
    parser.add_argument('--batch-size', '-b', type=ex.positive_int,
                        default=100)
    ex.add_ais_arguments(parser, default_size=1000)
    parser.add_argument('--seed', type=ex.seed, default=0)
    parser.add_argument('--out', '-o', default='results/mnist_avb')
    ex.add_snapshot_arguments(parser, (1, 'epoch'))
    parser.add_argument('--test', action='store_true',
                        help='600 training images, 1 epoch (unless --epoch '
                        'is given) and a small AIS, to check the script')
    args = parser.parse_args(argv)
    args.config = ex.method_config(parser, args)
    if args.adaptive_contrast and min(args.batch_size, args.ais_size) < 2:
        parser.error('--adaptive-contrast estimates the noise moments over a '
                     'batch: give --batch-size and --ais-size of at least 2')
    ex.check_method_memory(parser, args.config, args.batch_size,
                           args.ais_batch_size * args.ais_chains)
    args.device = ex.resolve_device(parser, args.device)
    if args.epoch is None:
        args.epoch = 1 if args.test else 30
    if args.test:
        args.ais_size = min(args.ais_size, 10)
        args.ais_temperatures = min(args.ais_temperatures, 20)
    return args


def save_figures(args, method, model, test):
    """``samples.png``: decoder means of 100 prior draws (Figure 7);
    ``reconstructions.png``: 50 test images over their reconstructions
    from one ``z ~ q(z|x)`` each."""
    decoder = model.decoder
    rng = numpy.random.RandomState(args.seed)
    z = decoder.xp.asarray(rng.standard_normal((100, args.dim_z)),
                           numpy.float32)
    x = decoder.device.send(test[:50])
    with no_graph():
        samples = decoder(z, sigmoid=True).array
        recon = decoder(method.posterior_sample(model, x), sigmoid=True).array
    save_image_grid(samples, os.path.join(args.out, 'samples.png'), 10,
                    title='{}: samples'.format(method.title))
    rows = decoder.xp.concatenate([x[:10], recon[:10], x[10:20],
                                   recon[10:20]])
    save_image_grid(rows, os.path.join(args.out, 'reconstructions.png'), 10,
                    title='{}: test images over reconstructions'.format(
                        method.title))


# The files a run writes in --out, besides its snapshots.
OUTPUTS = ['log', 'loss.png', ex.AIS_PROGRESS, 'ais_log_px.npy', 'model.npz',
           'adversary.npz', 'method.json', 'args.json', 'samples.png',
           'reconstructions.png', 'metrics.json']


@ex.script_main
def main(argv=None):
    args = parse_args(argv)
    # Under mpiexec with --communicator: this process's rank and device.
    ranks = ex.start_ranks(args)
    device = args.device
    train, test, _ = ranks.collective(ex.load_data, 'dynamic', args.seed,
                                      None, args.test)
    ranks.collective(ex.check_batch_size, args.batch_size, train)
    # Adaptive contrast estimates moments over a batch: two rows at least.
    rows = 2 if args.adaptive_contrast else 1
    test_share = ranks.share(test, 'test images', rows)
    ranks.prepare_out(args.out, OUTPUTS)
    ex.seed_and_use(device, args.seed)

    method = make_method(args.config)
    model = method.build(device)
    ranks.seed_noise(device, args.seed)
    optimizers = ranks.optimizers(method.make_optimizers(model))
    iterator = ranks.iterator(ArrayIterator(train, args.batch_size,
                                            seed=args.seed))
    updater = method.make_updater(model, optimizers, iterator, send_array,
                                  device, args.skip_nonfinite)
    trainer = training.Trainer(updater, (args.epoch, 'epoch'), out=args.out)
    test_iter = ArrayIterator(device.send(test_share),
                              ex.evaluation_batch_size(
                                  len(test_share),
                                  args.batch_size // ranks.size, rows),
                              repeat=False, shuffle=False)
    ex.extend_epoch_trainer(trainer, args, test_iter, model.loss, send_array,
                            list(method.report_keys) +
                            ['validation/main/loss'], ranks)
    ranks.resume(trainer, args.resume)
    train_seconds = ex.run_trainer(trainer)

    summary = mean_report(model.loss, test, args.batch_size)
    # The ELBO on the AIS images, to set against their log p(x).
    ais_summary = mean_report(model.loss, test[:args.ais_size],
                              args.batch_size)
    # A run killed during AIS goes on where it was (ais_progress.npz).
    log_px, ais_metrics = ex.run_ais(args, method, model,
                                     device.send(test[:args.ais_size]),
                                     ranks, args.out, not args.resume)
    if not ranks.is_root:
        return None
    metrics = {
        'model': method.title,
        # For AVB the KL (and so the ELBO) is the adversary's estimate.
        'test_elbo': -summary['reconstruction'] - summary['kl'],
        'elbo_is_estimate': method.elbo_is_estimate,
        'test_reconstruction': summary['reconstruction'],
        'test_kl': summary['kl'],
        'ais_images_elbo': -ais_summary['reconstruction'] -
        ais_summary['kl'],
        **ais_metrics,
        'epochs': args.epoch,
        'train_seconds': train_seconds,
        'dim_z': args.dim_z,
        'arch': args.arch,
        'conv_padding': args.conv_padding,
        'seed': args.seed,
        'device': str(device),
        'processes': ranks.size,
    }
    ex.write_array(os.path.join(args.out, 'ais_log_px.npy'), log_px)
    method.save(model, args.out)
    ex.write_run(args.out, method, args)
    save_figures(args, method, model, test)
    ex.write_metrics(metrics, args.out)
    return metrics


if __name__ == '__main__':
    ex.run_main(main, sys.argv[1:])
