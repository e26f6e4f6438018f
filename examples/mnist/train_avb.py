"""AVB (with or without adaptive contrast) or a VAE on binarized MNIST.

Mescheder et al. 2017, Section 6.2 and Table 2: dynamically binarized
MNIST, the encoder/decoder trained against an adversary (AVB, Algorithm 1),
optionally with adaptive contrast (Algorithm 2), or a VAE with the same
decoder and budget for comparison; the test log-likelihood estimated by
annealed importance sampling as the authors do. Writes ``metrics.json``,
``samples.png`` (the paper's Figure 7), ``reconstructions.png``, the
training log and the weights to ``--out``.

    python examples/mnist/train_avb.py --adaptive-contrast --dim-z 32
    python examples/mnist/train_avb.py --method vae --dim-z 32
"""
import argparse
import json
import os
import sys
import time

import chainer
from chainer import training
import numpy

from vae_avb.datasets import ArrayIterator
from vae_avb.datasets import send_array
from vae_avb.evaluation import ais_log_likelihood
from vae_avb.evaluation import mean_and_standard_error
from vae_avb.evaluation import mean_report
from vae_avb.links import AdaptiveContrastEncoder
from vae_avb.links import Adversary
from vae_avb.links import BernoulliDecoder
from vae_avb.links import NoiseEncoder
from vae_avb.links import VAE
from vae_avb.links.gaussian_encoder import GaussianEncoder
from vae_avb.losses import AdaptiveContrastLoss
from vae_avb.losses import AdversaryLoss
from vae_avb.losses import AVBLoss
from vae_avb.losses import ELBOLoss
from vae_avb.optimizers import Adam
from vae_avb.training import AVBUpdater
from vae_avb.training import SkipNonFiniteUpdater
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
from vae_avb.visualization import save_image_grid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from data import load_data  # NOQA: E402
from epoch_trainer import extend_epoch_trainer  # NOQA: E402

# The networks' activation: one the fused MLP node runs.
ACTIVATION = 'relu'


def parse_args(argv):
    parser = ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--method', choices=['avb', 'vae'], default='avb')
    parser.add_argument('--adaptive-contrast', action='store_true',
                        help='AVB with adaptive contrast (Algorithm 2)')
    add_device_argument(parser)
    parser.add_argument('--epoch', '-e', type=positive_int,
                        help='training epochs (default 30; 1 with --test)')
    parser.add_argument('--batch-size', '-b', type=positive_int, default=100)
    parser.add_argument('--dim-z', '-z', type=positive_int, default=32)
    parser.add_argument('--dim-noise', type=positive_int, default=None,
                        help='encoder noise size (default: 2 x dim-z, the '
                        'authors\' 16 for z 8 and 64 for z 32)')
    parser.add_argument('--n-basis', type=positive_int, default=32,
                        help='noise bases of the adaptive-contrast encoder')
    parser.add_argument('--contrast', choices=['diagonal', 'full'],
                        default='diagonal',
                        help='adaptive contrast: the Gaussian r(z|x) fitted '
                        'to q(z|x), with its variances (the paper) or its '
                        'full covariance')
    parser.add_argument('--coefficient-offset', type=offset, default=5.,
                        help='adaptive contrast: coefficients a_i = elu(l_i '
                        '- OFFSET) + 1 of the encoder outputs l_i, as the '
                        'authors (default 5); "none" for a_i = l_i')
    parser.add_argument('--dim-h', type=positive_int, default=300,
                        help='hidden width of encoder and decoder')
    parser.add_argument('--n-layers', type=positive_int, default=2,
                        help='hidden layers of encoder and decoder')
    parser.add_argument('--adversary-dim-h', type=positive_int, default=300)
    parser.add_argument('--adversary-layers', type=positive_int, default=2,
                        help='layers of each adversary tower')
    parser.add_argument('--lr', type=positive_float, default=3e-4,
                        help='Adam step size of encoder and decoder')
    parser.add_argument('--adversary-lr', type=positive_float, default=None,
                        help='Adam step size of the adversary (default: 2 x '
                        '--lr, as the authors)')
    parser.add_argument('--beta1', type=positive_float, default=0.5)
    parser.add_argument('--adversary-steps', type=positive_int, default=1,
                        help='adversary steps per encoder/decoder step')
    parser.add_argument('--ais-size', type=positive_int, default=1000,
                        help='test images the AIS estimate runs on')
    add_ais_arguments(parser)
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--out', '-o', default='results/mnist_avb')
    add_snapshot_arguments(parser, (1, 'epoch'))
    parser.add_argument('--test', action='store_true',
                        help='600 training images, 1 epoch (unless --epoch '
                        'is given) and a small AIS, to check the script')
    args = parser.parse_args(argv)
    args.device = resolve_device(parser, args.device)
    if args.adaptive_contrast and args.method != 'avb':
        parser.error('--adaptive-contrast needs --method avb')
    if args.contrast != 'diagonal' and not args.adaptive_contrast:
        parser.error('--contrast {} needs --adaptive-contrast'.format(
            args.contrast))
    if args.dim_noise is None:
        args.dim_noise = 2 * args.dim_z
    if args.adversary_lr is None:
        args.adversary_lr = 2 * args.lr
    if args.epoch is None:
        args.epoch = 1 if args.test else 30
    if args.test:
        args.ais_size = min(args.ais_size, 10)
        args.ais_temperatures = min(args.ais_temperatures, 20)
    return args


def add_ais_arguments(parser):
    """The AIS flags that train_avb.py and evaluate_avb.py share (all but
    ``--ais-size``, whose default differs)."""
    parser.add_argument('--ais-temperatures', type=positive_int,
                        default=2000)
    parser.add_argument('--ais-leapfrog', type=positive_int, default=10)
    parser.add_argument('--ais-step', type=positive_float, default=0.01,
                        help='leapfrog step, in start-distribution stds')
    parser.add_argument('--ais-chains', type=positive_int, default=8)
    parser.add_argument('--ais-adapt', action='store_true',
                        help='adapt the leapfrog step per chain')
    parser.add_argument('--ais-batch-size', type=positive_int, default=100,
                        help='test images per AIS batch (--ais-chains rows '
                        'each; default 100); on a GPU a larger batch, '
                        'such as 2000, runs faster for the same estimate')


def offset(text):
    """``--coefficient-offset``: a number, or ``none``."""
    if text.lower() == 'none':
        return None
    try:
        return float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            'must be a number or "none", got {!r}'.format(text))


def model_name(args):
    if args.method == 'vae':
        return 'VAE ({}-dim)'.format(args.dim_z)
    if not args.adaptive_contrast:
        return 'AVB ({}-dim)'.format(args.dim_z)
    full = getattr(args, 'contrast', 'diagonal') == 'full'
    return 'AVB + AC{} ({}-dim)'.format(' full' if full else '', args.dim_z)


def build(args):
    """Networks, losses and the updater for ``args``.

    Returns:
        tuple: ``(encoder, decoder, loss, updater)``.
    """
    decoder = BernoulliDecoder(args.dim_z, 784, args.dim_h, args.n_layers,
                               ACTIVATION)
    if args.method == 'vae':
        encoder = GaussianEncoder(784, args.dim_z, args.dim_h,
                                  args.n_layers, ACTIVATION)
        loss = ELBOLoss(VAE(encoder, decoder))
        loss.to_device(args.device)
        optimizer = Adam(args.lr, beta1=args.beta1)
        optimizer.setup(loss)
        return encoder, decoder, loss, {'main': optimizer}
    # The authors' MNIST adversary: inner product, x-only and z-only
    # terms, + 0.5 ||z||^2.
    adversary = Adversary(784, args.dim_z, args.adversary_dim_h,
                          args.adversary_layers, 'relu', prior_term=True,
                          side_terms=True)
    if args.adaptive_contrast:
        # Runs written before the flag existed used a_i = l_i.
        encoder = AdaptiveContrastEncoder(
            784, args.dim_z, args.dim_noise, args.n_basis, args.dim_h,
            args.n_layers, ACTIVATION,
            coefficient_offset=getattr(args, 'coefficient_offset', None),
            contrast=getattr(args, 'contrast', 'diagonal'))
        loss = AdaptiveContrastLoss(encoder, decoder, adversary)
    else:
        encoder = NoiseEncoder(784, args.dim_z, args.dim_noise, args.dim_h,
                               args.n_layers, ACTIVATION)
        loss = AVBLoss(encoder, decoder, adversary)
    adversary_loss = AdversaryLoss(encoder, adversary,
                                   adaptive_contrast=args.adaptive_contrast)
    optimizers = {}
    for name, target, lr in (('main', loss, args.lr),
                             ('adversary', adversary_loss,
                              args.adversary_lr)):
        target.to_device(args.device)
        optimizers[name] = Adam(lr, beta1=args.beta1)
        optimizers[name].setup(target)
    return encoder, decoder, loss, optimizers


def run_ais(args, run_args, encoder, decoder, x):
    """AIS on the images ``x`` (on the model's device) with the ``--ais-*``
    flags of ``args``, for the run that ``run_args`` (its args.json)
    describes. Returns ``log p(x)`` per image (NumPy) and the metrics
    entries ``ais_log_likelihood``, ``ais_standard_error`` and ``ais``
    (the settings, acceptance rate and seconds)."""
    began = time.time()
    log_px, acceptance = ais_log_likelihood(
        decoder, x, args.ais_temperatures, args.ais_leapfrog,
        args.ais_step, args.ais_chains,
        start=ais_start(run_args, encoder, x),
        batch_size=args.ais_batch_size,
        adapt_step_size=args.ais_adapt, return_acceptance=True,
        progress=True)
    seconds = time.time() - began
    log_px = chainer.backend.CpuDevice().send(log_px)
    mean, error = mean_and_standard_error(log_px)
    start = ('prior' if run_args.method == 'avb'
             and not run_args.adaptive_contrast else 'encoder Gaussian')
    return log_px, {
        'ais_log_likelihood': mean,
        'ais_standard_error': error,
        'ais': {'images': len(log_px), 'temperatures': args.ais_temperatures,
                'leapfrog': args.ais_leapfrog, 'step': args.ais_step,
                'chains': args.ais_chains, 'adapt': args.ais_adapt,
                'batch_size': args.ais_batch_size, 'start': start,
                'acceptance': acceptance, 'seconds': seconds}}


def ais_start(args, encoder, x, batch_size=500):
    """The AIS start distribution: the prior for plain AVB (``None``),
    the encoder's Gaussian for the VAE, and for AVB + AC the Gaussian with
    the moments of ``q(z|x)`` (the authors' choices)."""
    if args.method == 'avb' and not args.adaptive_contrast:
        return None
    xp = encoder.xp
    means, stds = [], []
    moments = encoder.noise_moments() if args.adaptive_contrast else None
    with chainer.no_backprop_mode(), chainer.using_config('train', False):
        for i in range(0, len(x), batch_size):
            batch = x[i:i + batch_size]
            if args.adaptive_contrast:
                _, mean, var = encoder(batch, moments=moments)
                std = xp.sqrt(var.array)
            else:
                mean, ln_var = encoder(batch)
                std = xp.exp(0.5 * ln_var.array)
            means.append(mean.array)
            stds.append(std)
    return xp.concatenate(means), xp.concatenate(stds)


def save_figures(args, encoder, decoder, test):
    """``samples.png``: decoder means of 100 prior draws (Figure 7);
    ``reconstructions.png``: 50 test images over their reconstructions
    from one ``z ~ q(z|x)`` each."""
    xp = decoder.xp
    rng = numpy.random.RandomState(args.seed)
    z = xp.asarray(rng.standard_normal((100, args.dim_z)), numpy.float32)
    x = decoder.device.send(test[:50])
    with chainer.no_backprop_mode(), chainer.using_config('train', False):
        samples = decoder(z, sigmoid=True).array
        if args.method == 'vae':
            mu, ln_var = encoder(x)
            code = mu.array + xp.exp(0.5 * ln_var.array) * \
                xp.random.standard_normal(mu.shape).astype(mu.dtype)
        elif args.adaptive_contrast:
            code = encoder(x, moments=encoder.noise_moments())[0].array
        else:
            code = encoder(x).array
        reconstructions = decoder(code, sigmoid=True).array
    save_image_grid(samples, os.path.join(args.out, 'samples.png'), 10,
                    title='{}: samples'.format(model_name(args)))
    rows = xp.concatenate([x[:10], reconstructions[:10], x[10:20],
                           reconstructions[10:20]])
    save_image_grid(rows, os.path.join(args.out, 'reconstructions.png'), 10,
                    title='{}: test images over reconstructions'.format(
                        model_name(args)))


def main(argv=None):
    args = parse_args(argv)
    device = args.device
    train, test, _ = load_data('dynamic', args.seed, None, args.test)
    prepare_out(args.out)
    seed_and_use(device, args.seed)

    encoder, decoder, loss, optimizers = build(args)
    iterator = ArrayIterator(train, args.batch_size, seed=args.seed)
    if args.method == 'vae':
        updater_class = SkipNonFiniteUpdater if args.skip_nonfinite \
            else training.updaters.StandardUpdater
        updater = updater_class(iterator, optimizers['main'],
                                converter=send_array, device=device)
        keys = ['main/loss', 'main/reconstruction', 'main/kl']
    else:
        updater = AVBUpdater(iterator, optimizers, args.adversary_steps,
                             converter=send_array, device=device,
                             skip_nonfinite=args.skip_nonfinite)
        keys = ['main/loss', 'main/reconstruction', 'main/kl',
                'adversary/loss', 'adversary/accuracy']
    trainer = training.Trainer(updater, (args.epoch, 'epoch'), out=args.out)
    test_iter = ArrayIterator(device.send(test), args.batch_size,
                              repeat=False, shuffle=False)
    extend_epoch_trainer(trainer, args, test_iter, loss, send_array,
                         keys + ['validation/main/loss'])
    resume(trainer, args.resume)
    with chainer.using_config('type_check', False):
        trainer.run(show_loop_exception_msg=False)
    train_seconds = trainer.elapsed_time

    summary = mean_report(loss, test, args.batch_size)
    # The ELBO on the AIS images, to set against their log p(x).
    ais_summary = mean_report(loss, test[:args.ais_size], args.batch_size)
    log_px, ais_metrics = run_ais(args, args, encoder, decoder,
                                  device.send(test[:args.ais_size]))
    elbo = -summary['reconstruction'] - summary['kl']
    metrics = {
        'model': model_name(args),
        # For AVB the KL (and so the ELBO) is the adversary's estimate.
        'test_elbo': elbo,
        'elbo_is_estimate': args.method == 'avb',
        'test_reconstruction': summary['reconstruction'],
        'test_kl': summary['kl'],
        'ais_images_elbo': -ais_summary['reconstruction'] -
        ais_summary['kl'],
        **ais_metrics,
        'epochs': args.epoch,
        'train_seconds': train_seconds,
        'dim_z': args.dim_z,
        'seed': args.seed,
        'device': str(device),
    }
    numpy.save(os.path.join(args.out, 'ais_log_px.npy'), log_px)
    chainer.serializers.save_npz(os.path.join(args.out, 'model.npz'), loss)
    if args.method == 'avb':
        # Used, not owned, by the loss: saved apart.
        chainer.serializers.save_npz(
            os.path.join(args.out, 'adversary.npz'), loss.adversary)
    with open(os.path.join(args.out, 'args.json'), 'w') as f:
        json.dump({key: value for key, value in vars(args).items()
                   if key != 'device'}, f, indent=2)
    save_figures(args, encoder, decoder, test)
    write_metrics(metrics, args.out)
    return metrics


if __name__ == '__main__':
    run_main(main, sys.argv[1:])
