#!/usr/bin/env python
"""Reproduces Table 1 and Figure 6 of Mescheder et al. 2017 (VAE vs AVB).

Trains both methods on the four-point toy for every ``--seeds`` entry with
``train.py``'s defaults, ``--jobs`` runs at a time (each a process with one
BLAS thread), then writes ``figure6.png`` (latent codes, VAE left, AVB
right, first seed) and ``table1.md`` (paper | ours, mean and spread over
seeds, with the wall times) to ``--out``.
"""
import json
import os
import subprocess
import sys
import time

import numpy

from vae_avb.utils.cli import add_device_argument
from vae_avb.utils.cli import ArgumentParser
from vae_avb.visualization import plot_latent_samples

TRAIN = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'train.py')

# Paper Table 1 (optimal log-likelihood -log 4 = -1.386).
PAPER = {
    'vae': {'log_likelihood': -1.568, 'reconstruction_error': 88.5e-3,
            'elbo': -1.697, 'kl_aggregate': 0.165},
    'avb': {'log_likelihood': -1.403, 'reconstruction_error': 5.77e-3,
            'elbo': -1.421, 'kl_aggregate': 0.026},
}
ROWS = [('log-likelihood', 'log_likelihood', '{:.3f}'),
        ('reconstruction error', 'reconstruction_error', '{:.2e}'),
        ('ELBO', 'elbo', '{:.3f}'),
        ('KL(q(z), p(z))', 'kl_aggregate', '{:.3f}')]


def summarize(values, fmt):
    values = numpy.asarray(values)
    if len(values) == 1:
        return fmt.format(values[0])
    return '{} ({} to {})'.format(fmt.format(values.mean()),
                                  fmt.format(values.min()),
                                  fmt.format(values.max()))


def markdown_table(results, seeds):
    lines = ['| metric | VAE paper | VAE ours | AVB paper | AVB ours |',
             '| --- | --- | --- | --- | --- |']
    for title, key, fmt in ROWS:
        cells = [title]
        for method in ('vae', 'avb'):
            approx = '~' if method == 'avb' and key == 'elbo' else ''
            cells.append(approx + fmt.format(PAPER[method][key]))
            cells.append(approx + summarize(
                [m[key] for m in results[method]], fmt))
        lines.append('| ' + ' | '.join(cells) + ' |')
    times = ['train time (s)', '', summarize(
        [m['train_seconds'] for m in results['vae']], '{:.0f}'), '',
        summarize([m['train_seconds'] for m in results['avb']], '{:.0f}')]
    lines.append('| ' + ' | '.join(times) + ' |')
    lines.append('')
    lines.append('Ours: mean (min to max) over seeds {}; AVB\'s ELBO uses '
                 'the adversary\'s KL estimate.'.format(
                     ', '.join(str(s) for s in seeds)))
    return '\n'.join(lines)


def run_all(args):
    """Runs train.py for every method and seed; returns their metrics."""
    runs = [(method, seed, os.path.join(args.out, '{}_seed{}'.format(
        method, seed))) for seed in args.seeds for method in ('avb', 'vae')]
    env = dict(os.environ, OMP_NUM_THREADS='1', OPENBLAS_NUM_THREADS='1',
               MKL_NUM_THREADS='1')
    running = []
    for method, seed, out in runs:
        while len(running) >= max(1, args.jobs):
            wait_any(running)
        os.makedirs(out, exist_ok=True)
        command = [sys.executable, TRAIN, '--method', method, '--seed',
                   str(seed), '--out', out, '--device', args.device]
        if args.resume:
            command += ['--resume', 'auto']
        log = open(os.path.join(out, 'train.log'), 'a' if args.resume
                   else 'w')
        print('started: ' + ' '.join(command[1:]), flush=True)
        running.append((subprocess.Popen(
            command + (['--test'] if args.test else []), env=env,
            stdout=log, stderr=subprocess.STDOUT), log, out))
    while running:
        wait_any(running)
    results = {'vae': [], 'avb': []}
    for method, seed, out in runs:
        with open(os.path.join(out, 'metrics.json')) as f:
            results[method].append(json.load(f))
    return results


def wait_any(running):
    """Waits for a run to end; stops with its log if it failed."""
    while not any(process.poll() is not None for process, _, _ in running):
        time.sleep(0.2)
    entry = next(e for e in running if e[0].poll() is not None)
    running.remove(entry)
    process, log, out = entry
    log.close()
    if process.returncode != 0:
        with open(log.name) as f:
            sys.exit('run in {} failed:\n{}'.format(out, f.read()[-2000:]))
    print('finished: ' + out, flush=True)


def main(argv=None):
    parser = ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--seeds', type=int, nargs='+', default=[0, 1, 2])
    add_device_argument(parser)  # Checked by each train.py run.
    parser.add_argument('--jobs', '-j', type=int, default=2,
                        help='runs at a time (default: 2, one per core)')
    parser.add_argument('--out', '-o', default='results/four_points')
    parser.add_argument('--resume', action='store_true',
                        help='continue the runs already in --out from their '
                        'newest snapshots (finished runs are only '
                        're-evaluated)')
    parser.add_argument('--test', action='store_true',
                        help='a few iterations, to check the script')
    args = parser.parse_args(argv)

    start = time.time()
    results = run_all(args)
    wall = time.time() - start

    panels = []
    for method, title in (('vae', '(a) VAE'), ('avb', '(b) AVB')):
        with numpy.load(os.path.join(args.out, '{}_seed{}'.format(
                method, args.seeds[0]), 'latent.npz')) as f:
            shown = numpy.arange(len(f['z'])) % (len(f['z']) // 4) < 1000
            panels.append((title, f['z'][shown], f['labels'][shown]))
    plot_latent_samples(panels, os.path.join(args.out, 'figure6.png'))
    table = markdown_table(results, args.seeds)
    table += ('\nWall time of this script: {:.0f} s for {} runs, {} at a '
              'time.'.format(wall, 2 * len(args.seeds), args.jobs))
    with open(os.path.join(args.out, 'table1.md'), 'w') as f:
        f.write(table + '\n')
    with open(os.path.join(args.out, 'results.json'), 'w') as f:
        json.dump(results, f, indent=2)
    print(table)
    print('figure6.png, table1.md and results.json written to {}'.format(
        os.path.abspath(args.out)))
    return results


if __name__ == '__main__':
    main(sys.argv[1:])
