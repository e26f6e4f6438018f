#!/usr/bin/env python
"""Training speed of vae_avb's path against plain Chainer pipelines.

Runs, in one process and alternating, a plain Chainer pipeline and
vae_avb's training path on identical work (same networks, batch size,
float32 data), for a fixed number of batches after a warm-up, over several
rounds, and prints one JSON object: samples/s per path (median, min, max),
the ratio per round and its median, the matrix-product limit of the
machine for that network and the share of it each path reaches, and the
peak RSS of each path measured in a child process of its own.

Cases:
  vae        Chainer's VAE example (784-500-20 tanh, batch 100, Adam) vs
             vae_avb (the path examples/mnist/train_vae.py uses).
  avb_toy    AVB on the four-point toy (the settings of
             examples/four_points/train.py, 2 adversary steps, batch 256).
  avb_mnist  AVB on MNIST with MLPs (784+32 -> 512 -> 512 -> 32 relu
             encoder, 32 -> 512 -> 512 -> 784 decoder, 2 x 512 towers,
             batch 100, one adversary step).
  conv_vae   The seeds' conv VAE (latent 50, batch 100, Adam): plain
             Chainer (baselines.PlainConvVAE) vs vae_avb's
             (train_vae.py --arch conv). Its limit counts the
             convolutions as the matrix products Chainer's im2col turns
             them into.
  conv_avb_ac  AVB + AC (8-dim) with the AVB authors' conv networks, as
             reproduce_table2.py --arch conv trains it (2 x 1,024
             adversary towers, batch 100): the same Links on Chainer's
             own functions (the reference path) and Chainer's Adam, vs
             vae_avb's path. No matmul limit is computed for it.

Usage: python benchmarks/benchmark.py [--device @numpy] [--rounds 5]
"""
import argparse
import contextlib
import functools
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time

import numpy

import chainer
from chainer import training
from chainer.training import extensions

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import baselines  # NOQA: E402

from vae_avb.datasets import ArrayIterator  # NOQA: E402
from vae_avb.datasets import FourPointsIterator  # NOQA: E402
from vae_avb.datasets import get_four_points  # NOQA: E402
from vae_avb.datasets import get_mnist  # NOQA: E402
from vae_avb.datasets import send_array  # NOQA: E402
from vae_avb.links import Adversary  # NOQA: E402
from vae_avb.links import BernoulliDecoder  # NOQA: E402
from vae_avb.links import NoiseEncoder  # NOQA: E402
from vae_avb.links import VAE  # NOQA: E402
from vae_avb.losses import AdversaryLoss  # NOQA: E402
from vae_avb.losses import AVBLoss  # NOQA: E402
from vae_avb.losses import ELBOLoss  # NOQA: E402
from vae_avb.optimizers import Adam  # NOQA: E402
from vae_avb.training import AVBUpdater  # NOQA: E402
from vae_avb.training import FiniteGuard  # NOQA: E402
from vae_avb.experiment import add_device_argument  # NOQA: E402
from vae_avb.experiment import build_vae  # NOQA: E402
from vae_avb.experiment import positive_int  # NOQA: E402
from vae_avb.experiment import resolve_device  # NOQA: E402
from vae_avb.functions import reference_path  # NOQA: E402
from vae_avb.methods import ConvNetworks  # NOQA: E402
from vae_avb.methods import make_method  # NOQA: E402
from vae_avb.methods import MethodConfig  # NOQA: E402

CASES = {
    'vae': dict(batch_size=100, n_in=784, sizes=[(784, 500), (500, 40),
                                                 (20, 500), (500, 784)]),
    'avb_toy': dict(
        batch_size=256, n_in=4, n_latent=2, n_noise=16, n_hidden=64,
        n_layers=3, n_adversary_hidden=128, encoder_activation='relu',
        decoder_activation='tanh', lr=1.5e-4, adversary_lr=3e-3,
        adversary_steps=2),
    # (rows per example, inner size, output size) of each product, and
    # whether its input is data (no input gradient): the seeds' conv VAE
    # with Chainer's im2col (a convolution: output pixels x (in channels
    # x kernel) x out channels; a transposed one: input pixels x in
    # channels x (out channels x kernel)).
    'conv_vae': dict(batch_size=100, n_latent=50, products=[
        (13 * 13, 1 * 9, 32, True), (6 * 6, 32 * 9, 64, False),
        (1, 2304, 100, False), (1, 50, 1568, False),
        (7 * 7, 32, 64 * 9, False), (14 * 14, 64, 32 * 9, False),
        (28 * 28, 32, 1 * 9, False)]),
    'avb_mnist': dict(
        batch_size=100, n_in=784, n_latent=32, n_noise=32, n_hidden=512,
        n_layers=2, n_adversary_hidden=512, encoder_activation='relu',
        decoder_activation='relu', lr=1e-4, adversary_lr=2e-4,
        adversary_steps=1),
    'conv_avb_ac': dict(batch_size=100, dim_z=8, adversary_dim_h=1024,
                        adversary_layers=3),
}
# Cases without a matrix-product count: their share of the limit is not
# reported.
NO_LIMIT = ('conv_avb_ac',)


def avb_matmuls(c):
    """(rows, cols) of every weight matrix an AVB iteration multiplies by,
    with how many passes over the batch use it (forward, backward)."""
    enc = [(c['n_in'] + c['n_noise'], c['n_hidden'])] + \
        [(c['n_hidden'], c['n_hidden'])] * (c['n_layers'] - 1) + \
        [(c['n_hidden'], c['n_latent'])]
    dec = [(c['n_latent'], c['n_hidden'])] + \
        [(c['n_hidden'], c['n_hidden'])] * (c['n_layers'] - 1) + \
        [(c['n_hidden'], c['n_in'])]
    adv = [(c['n_in'], c['n_adversary_hidden']),
           (c['n_adversary_hidden'], c['n_adversary_hidden']),
           (c['n_latent'], c['n_adversary_hidden']),
           (c['n_adversary_hidden'], c['n_adversary_hidden'])]
    return enc, dec, adv


def flops_per_example(case):
    """Matrix-product FLOPs per training example (2 per multiply-add).

    A layer costs one product forward, one for the weight gradient, and
    one for the input gradient unless its input is data."""
    c = CASES[case]
    if case == 'vae':
        total = 0
        for i, (a, b) in enumerate(c['sizes']):
            total += a * b * (2 if i == 0 else 3)
        return 2 * total
    if case == 'conv_vae':
        return 2 * sum(rows * a * b * (2 if data else 3)
                       for rows, a, b, data in c['products'])
    enc, dec, adv = avb_matmuls(c)
    k = c['adversary_steps']
    total = 0
    # Adversary step: encoder forward (no grad) on B, adversary on 2B
    # (forward, weight gradients; no input gradients).
    total += k * sum(a * b for a, b in enc)
    total += k * 2 * sum(a * b * 2 for a, b in adv)
    # Main step: encoder and decoder forward and backward, the adversary
    # forward and backward to its inputs (its weights are constants).
    for layers in (enc, dec):
        total += sum(a * b * (2 if i == 0 and layers is enc else 3)
                     for i, (a, b) in enumerate(layers))
    adv_x = adv[:2]
    total += sum(a * b for a, b in adv_x)              # x tower: forward
    total += sum(a * b * 2 for a, b in adv[2:])        # z tower: + grad z
    return 2 * total


def matmul_limit(case, device, repeats=50):
    """GFLOP/s of the case's matrix products alone, float32, measured."""
    xp = device.xp
    c = CASES[case]
    batch = c['batch_size']
    if case == 'vae':
        shapes = [(1, a, b) for a, b in c['sizes']]
    elif case == 'conv_vae':
        shapes = [(rows, a, b) for rows, a, b, _ in c['products']]
    else:
        enc, dec, adv = avb_matmuls(c)
        shapes = [(1, a, b) for a, b in enc + dec + adv]
    pairs = []
    for rows, a, b in shapes:
        x = xp.asarray(numpy.random.rand(batch * rows, a), numpy.float32)
        w = xp.asarray(numpy.random.rand(b, a), numpy.float32)
        g = xp.asarray(numpy.random.rand(batch * rows, b), numpy.float32)
        pairs.append((x, w, g))

    def run():
        for x, w, g in pairs:
            x.dot(w.T)
            g.T.dot(x)
            g.dot(w)
    run()
    synchronize(device)
    start = time.perf_counter()
    for _ in range(repeats):
        run()
    synchronize(device)
    seconds = time.perf_counter() - start
    flops = repeats * sum(2 * 3 * batch * rows * a * b
                          for rows, a, b in shapes)
    return flops / seconds / 1e9


def synchronize(device):
    if device.xp is not numpy:
        device.device.synchronize()


@functools.lru_cache(maxsize=None)
def mnist_array():
    """MNIST training images, loaded once per process for both paths."""
    train, _ = get_mnist()
    return train


def four_points_array(n=4096):
    points = get_four_points()
    return points[numpy.random.RandomState(0).randint(0, 4, n)]


def vae_updater(vae, train, batch_size, device):
    """vae_avb's VAE path: ELBOLoss, the compiled Adam, ArrayIterator."""
    loss = ELBOLoss(vae)
    loss.to_device(device)
    optimizer = Adam(1e-3)
    optimizer.setup(loss)
    iterator = ArrayIterator(device.send(train), batch_size, seed=0)
    return training.updaters.StandardUpdater(
        iterator, optimizer, converter=send_array, device=device)


def method_updater(case, path, device):
    """The updater of a method as train_avb.py builds it; the baseline
    with Chainer's Adam (its step sizes and beta1), to run on the
    reference path (:func:`path_context`)."""
    c = CASES[case]
    method = make_method(MethodConfig(
        method='avb_ac', dim_z=c['dim_z'], networks=ConvNetworks(
            adversary_dim_h=c['adversary_dim_h'],
            adversary_layers=c['adversary_layers'])))
    model = method.build(device)
    optimizers = method.make_optimizers(model)
    if path == 'baseline':
        for name, ours in list(optimizers.items()):
            optimizers[name] = chainer.optimizers.Adam(
                ours.alpha, beta1=ours.beta1)
            optimizers[name].setup(ours.target)
    iterator = ArrayIterator(device.send(mnist_array()), c['batch_size'],
                             seed=0)
    return method.make_updater(model, optimizers, iterator, send_array,
                               device)


def path_context(case, path):
    """Where a path runs: the baselines of the method cases on Chainer's
    own functions."""
    if case in NO_LIMIT and path == 'baseline':
        return reference_path()
    return contextlib.nullcontext()


def build(case, path, device):
    """Returns the updater of ``path`` ('baseline' or 'vae_avb')."""
    c = CASES[case]
    numpy.random.seed(0)
    if case == 'vae':
        train = mnist_array()
        if path == 'baseline':
            return baselines.chainer_example_vae(
                train, c['batch_size'], device=device), True
        return vae_updater(VAE.mlp(784, 20, 500), train, c['batch_size'],
                           device), False
    if case == 'conv_vae':
        train = mnist_array()
        if path == 'baseline':
            return baselines.plain_conv_vae(
                train, c['batch_size'], c['n_latent'], device=device), True
        return vae_updater(build_vae('conv', c['n_latent']), train,
                           c['batch_size'], device), False
    if case == 'conv_avb_ac':
        return method_updater(case, path, device), path == 'baseline'
    if path == 'baseline':
        train = mnist_array() if case == 'avb_mnist' else \
            four_points_array()
        return baselines.plain_avb(train, c['batch_size'], c,
                                   device=device), True
    encoder = NoiseEncoder(c['n_in'], c['n_latent'], c['n_noise'],
                           c['n_hidden'], c['n_layers'],
                           c['encoder_activation'])
    decoder = BernoulliDecoder(c['n_latent'], c['n_in'], c['n_hidden'],
                               c['n_layers'], c['decoder_activation'])
    adversary = Adversary(c['n_in'], c['n_latent'],
                          c['n_adversary_hidden'], 2, 'relu')
    losses = {'main': AVBLoss(encoder, decoder, adversary),
              'adversary': AdversaryLoss(encoder, adversary)}
    optimizers = {}
    for name, lr in (('main', c['lr']), ('adversary', c['adversary_lr'])):
        losses[name].to_device(device)
        optimizers[name] = Adam(lr, beta1=0.5)
        optimizers[name].setup(losses[name])
    if case == 'avb_mnist':
        iterator = ArrayIterator(device.send(mnist_array()), c['batch_size'],
                                 seed=0)
    else:
        iterator = FourPointsIterator(c['batch_size'], seed=0,
                                      as_array=True)
    return AVBUpdater(iterator, optimizers, c['adversary_steps'],
                      converter=send_array, device=device), False


def timed_run(updater, type_check, n_batches, fast_guard):
    """Runs a Trainer for ``n_batches`` more iterations; returns seconds."""
    stop = updater.iteration + n_batches
    trainer = training.Trainer(updater, (stop, 'iteration'), out='/tmp')
    trainer.extend(extensions.LogReport(trigger=(10 ** 9, 'iteration')))
    if fast_guard:
        trainer.extend(FiniteGuard())
    device = updater.device if hasattr(updater, 'device') else None
    with chainer.using_config('type_check', type_check):
        start = time.perf_counter()
        trainer.run(show_loop_exception_msg=False)
        if device is not None:
            synchronize(device)
        return time.perf_counter() - start


def measure(case, device, rounds, n_batches, warmup):
    paths = {}
    for path in ('baseline', 'vae_avb'):
        with path_context(case, path):
            updater, type_check = build(case, path, device)
            timed_run(updater, type_check, warmup, path == 'vae_avb')
        paths[path] = (updater, type_check)
    batch = CASES[case]['batch_size']
    speeds = {path: [] for path in paths}
    for _ in range(rounds):
        for path, (updater, type_check) in paths.items():
            with path_context(case, path):
                seconds = timed_run(updater, type_check, n_batches,
                                    path == 'vae_avb')
            speeds[path].append(n_batches * batch / seconds)
    ratios = [b / a for a, b in zip(speeds['baseline'], speeds['vae_avb'])]
    result = {
        'batch_size': batch,
        'batches_per_round': n_batches,
        'rounds': rounds,
        'ratio_per_round': [round(r, 3) for r in ratios],
        'ratio_median': round(statistics.median(ratios), 3),
    }
    limit = None
    if case not in NO_LIMIT:
        limit_gflops = matmul_limit(case, device)
        limit = limit_gflops * 1e9 / flops_per_example(case)
        result.update({
            'matmul_gflops': round(limit_gflops, 1),
            'mflop_per_example': round(flops_per_example(case) / 1e6, 3),
            'matmul_limit_samples_per_s': round(limit),
        })
    for path, values in speeds.items():
        result[path] = {
            'samples_per_s_median': round(statistics.median(values)),
            'samples_per_s_min': round(min(values)),
            'samples_per_s_max': round(max(values)),
        }
        if limit is not None:
            result[path]['share_of_matmul_limit'] = round(
                statistics.median(values) / limit, 3)
    return result


def peak_rss(case, path, args):
    """Peak RSS (MiB) of one path alone, in a child process."""
    command = [sys.executable, os.path.abspath(__file__), '--child',
               '{}:{}'.format(case, path), '--device', args.device_name,
               '--batches', str(args.batches)]
    out = subprocess.run(command, check=True, capture_output=True,
                         text=True).stdout
    return json.loads(out.strip().splitlines()[-1])['peak_rss_mib']


PATHS = ('baseline', 'vae_avb')


def child_spec(text):
    """``--child``'s value, ``case:path``, as a pair."""
    case, _, path = text.partition(':')
    if case not in CASES or path not in PATHS:
        raise argparse.ArgumentTypeError(
            'must be CASE:PATH with CASE one of {} and PATH one of {}, got '
            '{!r}'.format(', '.join(sorted(CASES)), ', '.join(PATHS), text))
    return case, path


def child(spec, device, n_batches):
    case, path = spec
    with path_context(case, path):
        updater, type_check = build(case, path, device)
        timed_run(updater, type_check, n_batches, path == 'vae_avb')
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    print(json.dumps({'peak_rss_mib': round(rss, 1)}))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    add_device_argument(parser)
    parser.add_argument('--cases', nargs='+', choices=sorted(CASES),
                        default=['vae', 'avb_toy', 'avb_mnist'])
    parser.add_argument('--rounds', type=positive_int, default=5)
    parser.add_argument('--batches', type=positive_int, default=200,
                        help='batches per path per round')
    parser.add_argument('--warmup', type=positive_int, default=20)
    parser.add_argument('--no-memory', action='store_true',
                        help='skip the peak RSS children')
    parser.add_argument('--child', type=child_spec, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    args.device_name = args.device
    device = resolve_device(parser, args.device)
    device.use()
    if args.child:
        return child(args.child, device, args.batches)
    report = {
        'date': time.strftime('%Y-%m-%d'),
        'machine': '{} ({} CPUs), Python {}'.format(
            platform.processor() or platform.machine(), os.cpu_count(),
            platform.python_version()),
        'chainer': chainer.__version__,
        'numpy': numpy.__version__,
        'device': str(device),
        'cases': {},
    }
    for case in args.cases:
        print('measuring {} ...'.format(case), file=sys.stderr)
        result = measure(case, device, args.rounds, args.batches,
                         args.warmup)
        if not args.no_memory:
            result['peak_rss_mib'] = {
                path: peak_rss(case, path, args)
                for path in ('baseline', 'vae_avb')}
        report['cases'][case] = result
    print(json.dumps(report, indent=1))
    return report


if __name__ == '__main__':
    main()
