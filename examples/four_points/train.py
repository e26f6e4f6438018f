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

from vae_avb import experiment as ex
from vae_avb.datasets import FourPointsIterator
from vae_avb.datasets import get_four_points
from vae_avb.datasets import send_array
from vae_avb.evaluation import aggregate_posterior_kl
from vae_avb.evaluation import mean_report
from vae_avb.evaluation import quadrature_log_likelihood
from vae_avb.methods import make_method
from vae_avb.methods import MethodConfig
from vae_avb.methods import MLPNetworks
from vae_avb.training import FiniteGuard
from vae_avb.training import NonFiniteLossError
from vae_avb.utils.atomic_write import write_atomic
from vae_avb.visualization import plot_latent_samples

# Per-method defaults, chosen to converge in about two minutes on two CPU
# cores (examples/four_points/README.md explains them).
DEFAULTS = {
    'vae': {'iteration': 5000, 'lr': 1e-3, 'decoder_lr': 1e-3},
    'avb': {'iteration': 14000, 'lr': 1.5e-4, 'decoder_lr': 1e-3},
}


def parse_args(argv):
    parser = ex.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--method', choices=['vae', 'avb'], default='avb')
    ex.add_device_argument(parser)
    ex.add_communicator_argument(parser)
    parser.add_argument('--iteration', '-i', type=ex.positive_int,
                        help='training iterations (vae: 5000, avb: 14000)')
    parser.add_argument('--batch-size', '-b', type=ex.positive_int,
                        default=256)
    parser.add_argument('--lr', type=ex.positive_float,
                        help='Adam step size of encoder and decoder '
                        '(vae: 1e-3, avb: 1.5e-4)')
    parser.add_argument('--decoder-lr', type=ex.positive_float,
                        help='Adam step size of the decoder (vae: --lr, '
                        'avb: 1e-3)')
    parser.add_argument('--adversary-lr', type=ex.positive_float, default=3e-3)
    ex.add_decay_arguments(parser, 0.7)
    parser.add_argument('--adversary-steps', type=ex.positive_int, default=2)
    parser.add_argument('--n-hidden', type=ex.positive_int, default=64)
    parser.add_argument('--n-adversary-hidden', type=ex.positive_int,
                        default=128)
    parser.add_argument('--n-noise', type=ex.positive_int, default=16)
    parser.add_argument('--eval-samples', type=ex.positive_int, default=None,
                        help='posterior samples per point for the metrics '
                        '(default 25000; 500 with --test)')
    parser.add_argument('--seed', type=ex.seed, default=0)
    parser.add_argument('--out', '-o', default='results/four_points')
    ex.add_snapshot_arguments(parser, (1000, 'iteration'))
    parser.add_argument('--test', action='store_true',
                        help='50 iterations (unless --iteration is given) '
                        'and a quick evaluation, to check the script')
    args = parser.parse_args(argv)
    iteration_given = args.iteration is not None
    for key, value in DEFAULTS[args.method].items():
        if getattr(args, key) is None:
            setattr(args, key, value)
    try:
        args.config = config_from_args(args)
    except ValueError as e:
        parser.error(str(e))
    if args.test and not iteration_given:
        args.iteration = 50
    if args.eval_samples is None:
        args.eval_samples = 500 if args.test else 25000
    # The metrics draw --eval-samples per point, 10,000 rows at a time.
    ex.check_method_memory(parser, args.config, args.batch_size,
                           4 * args.eval_samples, '--eval-samples')
    args.device = ex.resolve_device(parser, args.device)
    return args


def config_from_args(args):
    """The method configuration of the toy: a decoder of three tanh
    layers, encoders of three ReLU layers, and (AVB) an adversary without
    the prior and side terms: the toy's posteriors are wide wedges of the
    prior, where log q - log p is flat, and the 0.5 ||z||^2 term would
    have to be cancelled by the network."""
    return MethodConfig(
        method=args.method, dim_z=2, networks=MLPNetworks(
            4, args.n_hidden, 3, 'relu', 'tanh', args.n_adversary_hidden, 2,
            'relu'),
        dim_noise=args.n_noise, prior_term=False, side_terms=False,
        lr=args.lr, decoder_lr=args.decoder_lr,
        adversary_lr=args.adversary_lr, beta1=0.5,
        adversary_steps=args.adversary_steps)


def evaluate(args, method, model):
    """Paper Table 1's metrics, in nats (see the example's README)."""
    points = get_four_points()
    labels = numpy.repeat(numpy.arange(4), args.eval_samples)
    x = points[labels]
    summary = mean_report(model.loss, x, batch_size=10000)
    log_likelihood = quadrature_log_likelihood(model.decoder, points)
    z = chainer.backend.CpuDevice().send(
        method.posterior_sample(model, args.device.send(x)))
    if not numpy.isfinite(z).all():
        raise NonFiniteLossError(
            'the trained encoder\'s samples hold NaN or inf: training '
            'diverged (every batch may have been skipped); train again in a '
            'new --out with a lower step size')
    metrics = {
        'log_likelihood': float(log_likelihood.mean()),
        'log_likelihood_per_point': log_likelihood.tolist(),
        'reconstruction_error': summary['reconstruction'],
        'elbo': -summary['loss'],
        'elbo_is_estimate': method.elbo_is_estimate,
        'kl': summary['kl'],
        'kl_aggregate': aggregate_posterior_kl(z),
    }
    return metrics, z, labels


# The files a run writes in --out, besides its snapshots.
OUTPUTS = ['log', 'latent.npz', 'latent.png', 'method.json', 'args.json',
           'metrics.json']


@ex.script_main
def main(argv=None):
    args = parse_args(argv)
    # Under mpiexec with --communicator: this process's rank and device.
    ranks = ex.start_ranks(args)
    ranks.prepare_out(args.out, OUTPUTS)
    ex.seed_and_use(args.device, args.seed)
    method = make_method(args.config)
    model = method.build(args.device)
    ranks.seed_noise(args.device, args.seed)
    optimizers = ranks.optimizers(method.make_optimizers(model))
    iterator = ranks.iterator(FourPointsIterator(
        args.batch_size, seed=args.seed, as_array=True))
    updater = method.make_updater(model, optimizers, iterator, send_array,
                                  args.device, args.skip_nonfinite)

    trainer = training.Trainer(updater, (args.iteration, 'iteration'),
                               out=args.out)
    report_every = (max(1, args.iteration // 10), 'iteration')
    ex.extend_step_size_decay(trainer, optimizers.values(), args,
                              args.iteration)
    trainer.extend(FiniteGuard())
    ex.keep_run_flags(trainer, args)
    ranks.extend(trainer)
    if ranks.is_root:
        trainer.extend(extensions.LogReport(trigger=report_every))
        keys = ['iteration'] + list(method.report_keys)
        trainer.extend(extensions.PrintReport(keys + ['elapsed_time']))
    trainer.extend(ranks.snapshots(args.snapshot_every,
                                   (args.iteration, 'iteration'),
                                   args.keep_snapshots))
    ranks.resume(trainer, args.resume)

    if ranks.is_root:
        print('training {} for {} iterations, batch {}{}'.format(
            args.method.upper(), args.iteration, args.batch_size,
            ' over {} processes'.format(ranks.size) if ranks.size > 1
            else ''))
    # The toy data are generated, hence valid: Chainer's per-call type
    # checks are off while training.
    train_seconds = ex.run_trainer(trainer)
    if not ranks.is_root:
        return None

    metrics, z, labels = evaluate(args, method, model)
    metrics.update({
        'method': args.method,
        'iterations': args.iteration,
        'train_seconds': train_seconds,
        'batch_size': args.batch_size,
        'seed': args.seed,
        'device': str(args.device),
        'processes': ranks.size,
    })
    write_atomic(os.path.join(args.out, 'latent.npz'),
                 lambda f: numpy.savez(f, z=z, labels=labels))
    shown = numpy.arange(len(z)) % args.eval_samples < 1000
    plot_latent_samples(
        [('{} (log p(x) = {:.3f})'.format(
            args.method.upper(), metrics['log_likelihood']),
          z[shown], labels[shown])],
        os.path.join(args.out, 'latent.png'))
    ex.write_run(args.out, method, args)
    ex.write_metrics(metrics, args.out)
    return metrics


if __name__ == '__main__':
    ex.run_main(main, sys.argv[1:])
