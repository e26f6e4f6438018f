"""Evaluates a finished ``train_avb.py`` run again, with other AIS settings.

Reads the run's ``args.json``, ``model.npz`` and (AVB) ``adversary.npz``,
and on the first ``--ais-size`` test images computes the ELBO (for AVB
the adversary's estimate) and the AIS estimate of log p(x) with the
given temperatures, leapfrog steps and chains: the check that an AIS
number has converged (more temperatures must not raise it much), and the
way to evaluate a CPU-trained model with the authors' settings on a GPU.

    python examples/mnist/evaluate_avb.py results/mnist_avb \\
        --ais-size 100 --ais-temperatures 4000

Writes ``<out>/evaluation.json`` and ``<out>/ais_log_px.npy``, by default
in ``<run>/eval_<images>x<temperatures>``; the run's own files are only
read. An ``--out`` that already holds an evaluation is refused.
"""
import argparse
import json
import os
import sys

import chainer
import numpy

from vae_avb.evaluation import mean_report
from vae_avb.utils.cli import add_device_argument
from vae_avb.utils.cli import ArgumentParser
from vae_avb.utils.cli import positive_int
from vae_avb.utils.cli import prepare_out
from vae_avb.utils.cli import resolve_device
from vae_avb.utils.cli import run_main
from vae_avb.utils.cli import seed_and_use
from vae_avb.utils.cli import UsageError

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from data import load_data  # NOQA: E402
import train_avb  # NOQA: E402


def parse_args(argv):
    parser = ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('run', help='the --out folder of a finished '
                        'train_avb.py run')
    add_device_argument(parser)
    parser.add_argument('--ais-size', type=positive_int, default=100,
                        help='first test images to evaluate (default 100)')
    train_avb.add_ais_arguments(parser)
    parser.add_argument('--seed', type=int, default=0,
                        help='seed of the ELBO and AIS draws')
    parser.add_argument('--out', '-o', default=None,
                        help='default: <run>/eval_<images>x<temperatures>')
    args = parser.parse_args(argv)
    args.device = resolve_device(parser, args.device)
    if args.out is None:
        args.out = os.path.join(args.run, 'eval_{}x{}'.format(
            args.ais_size, args.ais_temperatures))
    return args


def load_run(run, device):
    """``(run_args, encoder, decoder, loss)`` of a finished run."""
    for name in ('args.json', 'model.npz'):
        if not os.path.exists(os.path.join(run, name)):
            raise UsageError('{} has no {}; pass the --out folder of a '
                             'finished train_avb.py run'.format(run, name))
    with open(os.path.join(run, 'args.json')) as f:
        run_args = argparse.Namespace(**json.load(f))
    run_args.device = device
    encoder, decoder, loss, _ = train_avb.build(run_args)
    try:
        chainer.serializers.load_npz(os.path.join(run, 'model.npz'), loss)
        if run_args.method == 'avb':
            load_adversary(run, loss.adversary)
    except (KeyError, ValueError) as e:
        raise UsageError('{} does not match its args.json ({}); was it '
                         'written by another version?'.format(run, e))
    return run_args, encoder, decoder, loss


def load_adversary(run, adversary):
    """From ``adversary.npz``, or from the newest snapshot of runs made
    before ``train_avb.py`` saved it apart."""
    path = os.path.join(run, 'adversary.npz')
    if os.path.exists(path):
        chainer.serializers.load_npz(path, adversary)
        return
    snapshots = sorted(
        (int(name[len('snapshot_iter_'):-len('.npz')]), name)
        for name in os.listdir(run)
        if name.startswith('snapshot_iter_') and name.endswith('.npz'))
    if not snapshots:
        raise UsageError('{} has neither adversary.npz nor a snapshot; the '
                         'AVB ELBO estimate needs the adversary'.format(run))
    chainer.serializers.load_npz(
        os.path.join(run, snapshots[-1][1]), adversary,
        path='updater/model:adversary/adversary/')


def main(argv=None):
    args = parse_args(argv)
    if not os.path.isdir(args.run):
        raise UsageError('{} is not a folder; pass the --out folder of a '
                         'finished train_avb.py run'.format(args.run))
    if os.path.exists(os.path.join(args.out, 'evaluation.json')):
        raise UsageError('{} already holds an evaluation; choose another '
                         '--out'.format(args.out))
    run_args, encoder, decoder, loss = load_run(args.run, args.device)
    _, test, _ = load_data('dynamic', run_args.seed, None, run_args.test)
    if args.ais_size > len(test):
        raise UsageError('--ais-size {} is more than the {} test images; '
                         'give at most {}'.format(args.ais_size, len(test),
                                                  len(test)))
    prepare_out(args.out)
    seed_and_use(args.device, args.seed)
    x = test[:args.ais_size]
    summary = mean_report(loss, x, run_args.batch_size)
    log_px, ais_metrics = train_avb.run_ais(args, run_args, encoder, decoder,
                                            args.device.send(x))
    evaluation = {
        'model': train_avb.model_name(run_args),
        'run': os.path.abspath(args.run),
        'elbo': -summary['reconstruction'] - summary['kl'],
        'elbo_is_estimate': run_args.method == 'avb',
        **ais_metrics,
        'seed': args.seed,
        'device': str(args.device),
    }
    numpy.save(os.path.join(args.out, 'ais_log_px.npy'), log_px)
    with open(os.path.join(args.out, 'evaluation.json'), 'w') as f:
        json.dump(evaluation, f, indent=2)
    for key, value in evaluation.items():
        print('{}: {}'.format(key, value))
    return evaluation


if __name__ == '__main__':
    run_main(main, sys.argv[1:])
