#!/usr/bin/env python
"""Trains a VAE or AVB on the four-point toy of Mescheder et al. 2017.

Four one-hot points in R^4, a 2-D latent (paper Section 6.1, Figure 6,
Table 1). Writes ``metrics.json`` (log-likelihood by quadrature,
reconstruction error, ELBO, aggregate-posterior KL), the latent figure
``latent.png`` and the latent samples ``latent.npz`` to ``--out``.
"""
import os
import sys

import numpy

import chainer
from chainer import training
from chainer.training import extensions

from vae_avb.datasets import FourPointsIterator
from vae_avb.datasets import get_four_points
from vae_avb.datasets import send_array
from vae_avb.evaluation import aggregate_posterior_kl
from vae_avb.evaluation import mean_report
from vae_avb.evaluation import quadrature_log_likelihood
from vae_avb.links import Adversary
from vae_avb.links import BernoulliDecoder
from vae_avb.links import GaussianEncoder
from vae_avb.links import NoiseEncoder
from vae_avb.links import VAE
from vae_avb.losses import AdversaryLoss
from vae_avb.losses import AVBLoss
from vae_avb.losses import ELBOLoss
from vae_avb.optimizers import Adam
from vae_avb.training import AVBUpdater
from vae_avb.training import FiniteGuard
from vae_avb.training import SkipNonFiniteUpdater
from vae_avb.training import Snapshots
from vae_avb.training import StepSizeDecay
from vae_avb.utils.cli import add_device_argument
from vae_avb.utils.cli import add_snapshot_arguments
from vae_avb.utils.cli import ArgumentParser
from vae_avb.utils.cli import positive_float
from vae_avb.utils.cli import positive_int
from vae_avb.utils.cli import prepare_out
from vae_avb.utils.cli import resolve_device
from vae_avb.utils.cli import resume
from vae_avb.utils.cli import run_main
from vae_avb.utils.cli import seed_and_use
from vae_avb.utils.cli import write_metrics
from vae_avb.visualization import plot_latent_samples

# Per-method defaults, chosen to converge in about two minutes on two CPU
# cores (examples/four_points/README.md explains them).
DEFAULTS = {
    'vae': {'iteration': 5000, 'lr': 1e-3, 'decoder_lr': 1e-3},
    'avb': {'iteration': 14000, 'lr': 1.5e-4, 'decoder_lr': 1e-3},
}


def parse_args(argv):
    parser = ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--method', choices=['vae', 'avb'], default='avb')
    add_device_argument(parser)
    parser.add_argument('--iteration', '-i', type=positive_int,
                        help='training iterations (vae: 5000, avb: 14000)')
    parser.add_argument('--batch-size', '-b', type=positive_int, default=256)
    parser.add_argument('--lr', type=positive_float,
                        help='Adam step size of encoder and decoder '
                        '(vae: 1e-3, avb: 1.5e-4)')
    parser.add_argument('--decoder-lr', type=positive_float,
                        help='Adam step size of the decoder (vae: --lr, '
                        'avb: 1e-3)')
    parser.add_argument('--adversary-lr', type=positive_float, default=3e-3)
    parser.add_argument('--decay-start', type=float, default=0.7,
                        help='share of the run after which step sizes '
                        'decay')
    parser.add_argument('--decay-ratio', type=positive_float, default=0.1,
                        help='step-size factor reached at the end')
    parser.add_argument('--adversary-steps', type=positive_int, default=2)
    parser.add_argument('--n-hidden', type=positive_int, default=64)
    parser.add_argument('--n-adversary-hidden', type=positive_int,
                        default=128)
    parser.add_argument('--n-noise', type=positive_int, default=16)
    parser.add_argument('--eval-samples', type=positive_int, default=25000,
                        help='posterior samples per point for the metrics')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--out', '-o', default='results/four_points')
    add_snapshot_arguments(parser, (1000, 'iteration'))
    parser.add_argument('--test', action='store_true',
                        help='50 iterations (unless --iteration is given) '
                        'and a quick evaluation, to check the script')
    args = parser.parse_args(argv)
    args.device = resolve_device(parser, args.device)
    iteration_given = args.iteration is not None
    for key, value in DEFAULTS[args.method].items():
        if getattr(args, key) is None:
            setattr(args, key, value)
    if args.test:
        if not iteration_given:
            args.iteration = 50
        args.eval_samples = 500
    return args


def build(args):
    """Returns the networks, the loss, the updater and its optimizers."""
    decoder = BernoulliDecoder(2, 4, args.n_hidden, 3, 'tanh')
    iterator = FourPointsIterator(args.batch_size, seed=args.seed,
                                  as_array=True)
    if args.method == 'vae':
        encoder = GaussianEncoder(4, 2, args.n_hidden, 3, 'relu')
        loss = ELBOLoss(VAE(encoder, decoder))
        loss.to_device(args.device)
        optimizer = Adam(args.lr, beta1=0.5)
        optimizer.setup(loss)
        set_step_size(decoder, args.decoder_lr)
        updater_class = SkipNonFiniteUpdater if args.skip_nonfinite \
            else training.updaters.StandardUpdater
        updater = updater_class(
            iterator, optimizer, converter=send_array, device=args.device)
        return encoder, decoder, loss, updater, [optimizer]
    encoder = NoiseEncoder(4, 2, args.n_noise, args.n_hidden, 3, 'relu')
    # No 0.5 ||z||^2 term: the toy's posteriors are wide wedges of the
    # prior, where log q - log p is flat, and the term would have to be
    # cancelled by the network.
    adversary = Adversary(4, 2, args.n_adversary_hidden, 2, 'relu')
    loss = AVBLoss(encoder, decoder, adversary)
    adversary_loss = AdversaryLoss(encoder, adversary)
    optimizers = {}
    for name, target, lr in (('main', loss, args.lr),
                             ('adversary', adversary_loss,
                              args.adversary_lr)):
        target.to_device(args.device)
        optimizers[name] = Adam(lr, beta1=0.5)
        optimizers[name].setup(target)
    set_step_size(decoder, args.decoder_lr)
    updater = AVBUpdater(iterator, optimizers, args.adversary_steps,
                         converter=send_array, device=args.device,
                         skip_nonfinite=args.skip_nonfinite)
    return encoder, decoder, loss, updater, list(optimizers.values())


def set_step_size(link, alpha):
    """Gives ``link``'s parameters their own Adam step size."""
    for param in link.params():
        param.update_rule.hyperparam.alpha = alpha


def sample_latent(args, encoder, x):
    """Posterior samples ``z ~ q(z|x)`` for every row of ``x``, on the host."""
    with chainer.no_backprop_mode(), chainer.using_config('train', False):
        x = args.device.send(x)
        if args.method == 'vae':
            z = chainer.functions.gaussian(*encoder(x))
        else:
            z = encoder(x)
    return chainer.backend.CpuDevice().send(z.array)


def evaluate(args, encoder, decoder, loss):
    """Paper Table 1's metrics, in nats (see the example's README)."""
    points = get_four_points()
    labels = numpy.repeat(numpy.arange(4), args.eval_samples)
    x = points[labels]
    summary = mean_report(loss, x, batch_size=10000)
    log_likelihood = quadrature_log_likelihood(decoder, points)
    z = sample_latent(args, encoder, x)
    metrics = {
        'log_likelihood': float(log_likelihood.mean()),
        'log_likelihood_per_point': log_likelihood.tolist(),
        'reconstruction_error': summary['reconstruction'],
        'elbo': -summary['loss'],
        'elbo_is_estimate': args.method == 'avb',
        'kl': summary['kl'],
        'kl_aggregate': aggregate_posterior_kl(z),
    }
    return metrics, z, labels


def main(argv=None):
    args = parse_args(argv)
    prepare_out(args.out)
    seed_and_use(args.device, args.seed)
    encoder, decoder, loss, updater, optimizers = build(args)

    trainer = training.Trainer(updater, (args.iteration, 'iteration'),
                               out=args.out)
    report_every = (max(1, args.iteration // 10), 'iteration')
    decay_start = int(args.decay_start * args.iteration)
    if decay_start < args.iteration:
        trainer.extend(StepSizeDecay(optimizers, decay_start, args.iteration,
                                     args.decay_ratio))
    trainer.extend(FiniteGuard())
    trainer.extend(extensions.LogReport(trigger=report_every))
    keys = ['iteration', 'main/loss', 'main/reconstruction', 'main/kl']
    if args.method == 'avb':
        keys += ['adversary/loss', 'adversary/accuracy']
    trainer.extend(extensions.PrintReport(keys + ['elapsed_time']))
    trainer.extend(Snapshots(args.snapshot_every,
                             (args.iteration, 'iteration'),
                             args.keep_snapshots))
    resume(trainer, args.resume)

    print('training {} for {} iterations, batch {}'.format(
        args.method.upper(), args.iteration, args.batch_size))
    # The toy data are generated, hence valid: skip Chainer's per-call
    # type checks and our value checks while training.
    with chainer.using_config('type_check', False):
        trainer.run(show_loop_exception_msg=False)
    # Includes the time before a resume, up to the snapshot resumed.
    train_seconds = trainer.elapsed_time

    metrics, z, labels = evaluate(args, encoder, decoder, loss)
    metrics.update({
        'method': args.method,
        'iterations': args.iteration,
        'train_seconds': train_seconds,
        'batch_size': args.batch_size,
        'seed': args.seed,
        'device': str(args.device),
    })
    numpy.savez(os.path.join(args.out, 'latent.npz'), z=z, labels=labels)
    shown = numpy.arange(len(z)) % args.eval_samples < 1000
    plot_latent_samples(
        [('{} (log p(x) = {:.3f})'.format(
            args.method.upper(), metrics['log_likelihood']),
          z[shown], labels[shown])],
        os.path.join(args.out, 'latent.png'))
    write_metrics(metrics, args.out)
    return metrics


if __name__ == '__main__':
    run_main(main, sys.argv[1:])
