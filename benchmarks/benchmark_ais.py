#!/usr/bin/env python
"""Speed of AIS (``vae_avb.evaluation.ais_log_likelihood``): vae_avb's
functions against Chainer's own, on the decoders of Table 2.

For each case, alternating in one process, one AIS batch of ``--images``
test-sized images x ``--chains`` chains runs ``--temperatures``
temperatures of ``--leapfrog`` leapfrog steps on vae_avb's path (its CPU
convolutions and fused functions) and on the reference path (Chainer's
functions, ``vae_avb.functions.reference_path``), after one warm-up
batch each, over ``--rounds`` rounds. Prints one JSON object: leapfrog
steps of one chain per second per path (median, min, max), the ratio
per round and its median, and the AIS settings. Both paths estimate
the same quantity from the same draws, so the report also gives the
largest difference of their estimates. A step is one evaluation of
log p(x|z) + log p(z) and its gradient in z for one chain, the unit of
AIS's cost: a model's AIS costs images x chains x temperatures x
leapfrog steps of them.

Cases (untrained decoders of the sizes Table 2 evaluates):
  conv8, conv32  the authors' convolutional decoder (``--arch conv``),
                 z = 8 and 32.
  mlp8, mlp32    the MLP decoder (``--arch mlp``), z = 8 and 32.

Usage: python benchmarks/benchmark_ais.py [--cases conv8 mlp8]
"""
import json
import platform
import statistics
import sys
import time

import numpy

import chainer

from vae_avb.evaluation import ais_log_likelihood
from vae_avb.functions import reference_path
from vae_avb.methods import ConvNetworks
from vae_avb.methods import MethodConfig
from vae_avb.methods import MLPNetworks
import vae_avb.experiment as ex

CASES = {'conv8': ('conv', 8), 'conv32': ('conv', 32), 'mlp8': ('mlp', 8),
         'mlp32': ('mlp', 32)}


def networks_of(case):
    arch, dim_z = CASES[case]
    return (ConvNetworks() if arch == 'conv' else MLPNetworks()), dim_z


def run_batch(decoder, x, args, reference):
    numpy.random.seed(0)
    began = time.perf_counter()
    with reference_path(reference):
        log_px = ais_log_likelihood(
            decoder, x, args.temperatures, args.leapfrog, 0.01, args.chains,
            batch_size=len(x))
    seconds = time.perf_counter() - began
    steps = len(x) * args.chains * args.temperatures * args.leapfrog
    return steps / seconds, log_px


def measure(case, args):
    networks, dim_z = networks_of(case)
    numpy.random.seed(0)
    decoder = networks.decoder(dim_z)
    x = (numpy.random.rand(args.images, 784) < 0.3).astype(numpy.float32)
    for reference in (False, True):  # Warm-up.
        run_batch(decoder, x, args, reference)
    rates = {'vae_avb': [], 'chainer': []}
    ratios, gap = [], 0.
    for _ in range(args.rounds):
        ours, est_ours = run_batch(decoder, x, args, False)
        theirs, est_theirs = run_batch(decoder, x, args, True)
        rates['vae_avb'].append(ours)
        rates['chainer'].append(theirs)
        ratios.append(round(ours / theirs, 3))
        gap = max(gap, float(numpy.abs(est_ours - est_theirs).max()))
    report = {'arch': CASES[case][0], 'dim_z': dim_z,
              'ratio_per_round': ratios,
              'ratio_median': statistics.median(ratios),
              'largest_estimate_difference_nats': gap}
    for path, values in rates.items():
        report[path] = {
            'leapfrog_steps_per_s_median': round(statistics.median(values)),
            'leapfrog_steps_per_s_min': round(min(values)),
            'leapfrog_steps_per_s_max': round(max(values))}
    return report


def main(argv=None):
    parser = ex.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--cases', nargs='+', choices=sorted(CASES),
                        default=['conv8', 'mlp8'])
    parser.add_argument('--rounds', type=ex.positive_int, default=3)
    parser.add_argument('--images', type=ex.positive_int, default=100,
                        help='images in the batch (default 100, the '
                        'scripts\' --ais-batch-size)')
    parser.add_argument('--chains', type=ex.positive_int, default=8)
    parser.add_argument('--temperatures', type=ex.temperature_count, default=5)
    parser.add_argument('--leapfrog', type=ex.positive_int, default=5)
    args = parser.parse_args(argv)
    # One batch of images x chains rows through each case's networks,
    # refused in one line when it cannot fit.
    for case in args.cases:
        networks, dim_z = networks_of(case)
        ex.check_method_memory(
            parser, MethodConfig(method='vae', dim_z=dim_z,
                                 networks=networks),
            0, args.images * args.chains, '--images x --chains', '--cases')
    report = {
        'date': time.strftime('%Y-%m-%d'),
        'machine': '{} ({} CPUs), Python {}'.format(
            platform.machine(), __import__('os').cpu_count(),
            platform.python_version()),
        'chainer': chainer.__version__, 'numpy': numpy.__version__,
        'settings': {'images': args.images, 'chains': args.chains,
                     'temperatures': args.temperatures,
                     'leapfrog': args.leapfrog, 'rounds': args.rounds},
        'cases': {}}
    for case in args.cases:
        sys.stderr.write('measuring {} ...\n'.format(case))
        report['cases'][case] = measure(case, args)
    print(json.dumps(report, indent=1))
    return report


if __name__ == '__main__':
    ex.run_main(main, sys.argv[1:])
