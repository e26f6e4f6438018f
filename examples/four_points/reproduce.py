#!/usr/bin/env python
"""Reproduces Table 1 and Figure 6 of Mescheder et al. 2017 (VAE vs AVB).

Trains both methods on the four-point toy for every ``--seeds`` entry with
``train.py``'s defaults, ``--jobs`` runs at a time (each a process with one
BLAS thread), then writes ``figure6.png`` (latent codes, VAE left, AVB
right, first seed) and ``table1.md`` (paper | ours, mean and spread over
seeds, with the wall times) to ``--out``.
"""
import functools
import os
import sys
import time

import numpy

from vae_avb import experiment as ex
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


def markdown_table(results, seeds):
    lines = ['| metric | VAE paper | VAE ours | AVB paper | AVB ours |',
             '| --- | --- | --- | --- | --- |']
    for title, key, fmt in ROWS:
        cells = [title]
        for method in ('vae', 'avb'):
            approx = '~' if method == 'avb' and key == 'elbo' else ''
            cells.append(approx + fmt.format(PAPER[method][key]))
            cells.append(approx + ex.spread(
                [m[key] for m in results[method]], fmt))
        lines.append('| ' + ' | '.join(cells) + ' |')
    times = ['train time (s)', '', ex.spread(
        [m['train_seconds'] for m in results['vae']], '{:.0f}'), '',
        ex.spread([m['train_seconds'] for m in results['avb']], '{:.0f}')]
    lines.append('| ' + ' | '.join(times) + ' |')
    lines.append('')
    lines.append('Ours: mean (min to max) over seeds {}; AVB\'s ELBO uses '
                 'the adversary\'s KL estimate.'.format(
                     ', '.join(str(s) for s in seeds)))
    return '\n'.join(lines)


# What this script writes in --out after the runs.
OUTPUTS = ('figure6.png', 'table1.md', 'results.json')


def run_all(args):
    """Runs train.py for every method and seed; returns their metrics and
    the number of runs trained (the others were kept)."""
    runs = [(method, seed, os.path.join(args.out, '{}_seed{}'.format(
        method, seed))) for seed in args.seeds for method in ('avb', 'vae')]
    jobs = [ex.Job(out, out, [sys.executable, TRAIN, '--method', method,
                              '--seed', str(seed), '--out', out, '--device',
                              args.device] + (['--test'] if args.test else []),
                   os.path.join(args.out, os.path.basename(out) + '.log'))
            for method, seed, out in runs]
    ex.prepare_out(args.out)
    # A kept run of other flags (another --test) is refused before
    # anything trains: by its args.json, then by its metrics (runs made
    # before train.py wrote args.json too, and diverged runs).
    # (Each job's flags parsed once, for both checks.)
    parsed = ex.parse_planned(jobs, ex.load_script(TRAIN).parse_args,
                              'train.py') if args.resume else {}
    todo = ex.plan_runs(jobs, args.out, args.resume, lambda j: j.key,
                        lambda flags: parsed[tuple(flags)],
                        outputs=[os.path.join(args.out, name)
                                 for name in OUTPUTS])
    if args.resume:
        for job in jobs:
            planned = vars(parsed[tuple(job.argv[2:])])
            # (train.py's flag is --iteration, its metrics' iterations.)
            wanted = {flag: planned[key.rstrip('s')]
                      for flag, key in KEPT.items()}
            ex.refuse_kept_unlike(
                args.out, [os.path.basename(job.key)],
                lambda run_out: (read_numbers(run_out),),
                functools.partial(kept_settings, wanted=wanted), wanted)
    ex.run_jobs(todo, args.jobs, ex.thread_env(1))
    results = {'vae': [], 'avb': []}
    for method, seed, out in runs:
        results[method].append(read_numbers(out))
    return results, len(todo)


# The train.py flags a run's metrics record, by their keys there.
KEPT = {'--method': 'method', '--seed': 'seed', '--iteration': 'iterations',
        '--batch-size': 'batch_size'}


def kept_settings(metrics, wanted):
    """The :data:`KEPT` flags of a finished run, by its metrics; one its
    metrics lack (written by an older version) as ``wanted``'s."""
    return {flag: metrics.get(key, wanted[flag])
            for flag, key in KEPT.items()}


def read_numbers(out):
    """A finished run's metrics, those of the table finite numbers (a
    diverged run writes null for NaN)."""
    keys = [key for _, key, _ in ROWS] + ['train_seconds']
    return ex.check_numbers(out, ex.read_metrics(out, keys), keys,
                            'move that run away and train it again with '
                            '--resume')


@ex.script_main
def main(argv=None):
    parser = ex.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--seeds', type=ex.seed, nargs='+',
                        default=[0, 1, 2])
    ex.add_device_argument(parser)
    parser.add_argument('--jobs', '-j', type=ex.positive_int, default=2,
                        help='runs at a time (default: 2, one per core)')
    parser.add_argument('--out', '-o', default='results/four_points')
    parser.add_argument('--resume', action='store_true',
                        help='keep the runs --out already finished and '
                        'continue the others from their newest snapshots')
    parser.add_argument('--test', action='store_true',
                        help='a few iterations, to check the script')
    args = parser.parse_args(argv)
    if len(set(args.seeds)) != len(args.seeds):
        parser.error('--seeds {} names a seed twice; give each seed once'
                     .format(' '.join(map(str, args.seeds))))
    # Checked here, once, rather than by each train.py run; the runs get
    # the flag as given.
    ex.resolve_device(parser, args.device)

    start = time.time()
    results, trained = run_all(args)
    wall = time.time() - start

    panels = []
    for method, title in (('vae', '(a) VAE'), ('avb', '(b) AVB')):
        f = ex.read_arrays(os.path.join(args.out, '{}_seed{}'.format(
            method, args.seeds[0]), 'latent.npz'), {'z': 2, 'labels': 1},
            'rerun that run (remove its folder, then --resume)')
        labels = f['labels']
        if labels.dtype.kind not in 'iu' or f['z'].dtype.kind != 'f' or \
                labels.min() < 0 or labels.max() > 3:
            raise ex.UsageError('{}_seed{}/latent.npz holds {} codes and {} '
                                'labels from {} to {} (float codes and the '
                                'points 0 to 3 as integers are expected); '
                                'rerun that run'.format(
                                    method, args.seeds[0], f['z'].dtype,
                                    labels.dtype, labels.min(),
                                    labels.max()))
        if len(f['z']) != len(f['labels']) or len(f['z']) < 4 or \
                f['z'].shape[1] != 2:
            raise ex.UsageError('{}_seed{}/latent.npz holds {} samples of {} '
                                'values and {} labels (2-D codes, one label '
                                'each, are expected); rerun that run'.format(
                                    method, args.seeds[0], len(f['z']),
                                    f['z'].shape[1], len(f['labels'])))
        shown = numpy.arange(len(f['z'])) % (len(f['z']) // 4) < 1000
        panels.append((title, f['z'][shown], f['labels'][shown]))
    try:
        plot_latent_samples(panels, os.path.join(args.out, 'figure6.png'))
    except ValueError as e:  # Codes or labels a run did not write.
        raise ex.UsageError('the latent.npz of seed {} cannot be drawn ({}); '
                            'rerun its runs (remove their folders, then '
                            '--resume)'.format(args.seeds[0], e))
    table = markdown_table(results, args.seeds)
    kept = 2 * len(args.seeds) - trained
    earlier = ' ({} kept from earlier)'.format(kept) if kept else ''
    table += ('\nWall time of this script: {:.0f} s for {} runs trained, {} '
              'at a time{}.'.format(wall, trained, args.jobs, earlier))
    ex.write_text(os.path.join(args.out, 'table1.md'), table + '\n')
    ex.write_json(os.path.join(args.out, 'results.json'), results)
    print(table)
    print('figure6.png, table1.md and results.json written to {}'.format(
        os.path.abspath(args.out)))
    return results


if __name__ == '__main__':
    ex.run_main(main, sys.argv[1:])
