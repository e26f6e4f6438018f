"""Runs the five models of the AVB paper's Table 2 and writes "paper | ours".

VAE (8-dim), AVB (8-dim), AVB + AC (8-dim), VAE (32-dim) and AVB + AC
(32-dim) on dynamically binarized MNIST, all with ``train_avb.py``'s
architecture family (MLPs of the same width and depth) and one budget:

- ``--budget cpu``: fewer epochs, AIS on part of the test set with
  fewer temperatures; 93 minutes on 2 CPU cores with ``--jobs 2``
  (timed end to end, seed 3, 2026-12-04). Its numbers are below the
  paper's.
- ``--budget gpu``: the authors' AIS settings on the whole test set and a
  long training, for a GPU (``--device @cupy:0``).

Both give the AVB models the larger adversary (``--adversary-dim-h 1024
--adversary-layers 3``). ``--extra`` flags come last, so they override
the budget's (``--extra=--adversary-dim-h=300
--extra=--adversary-layers=2`` gives ``train_avb.py``'s default
adversary, the CPU budget's before 2026-12-04).

Writes ``<out>/<model>/`` (each run's files), ``<out>/table2.md`` and
``<out>/table2.json``. Runs go ``--jobs`` at a time as subprocesses, each
with ``OMP_NUM_THREADS`` and ``OPENBLAS_NUM_THREADS`` set to
``--threads``.

    python examples/mnist/reproduce_table2.py --budget cpu --jobs 2
    python examples/mnist/reproduce_table2.py --budget gpu --jobs 5 \
        --threads 2 --device @cupy:0

(The five runs share one GPU with little slowdown; on an H200 the GPU
budget should take about 70 minutes, see examples/mnist/README.md.)

An interrupted reproduction goes on with ``--resume``: finished models
(their ``metrics.json`` written) are kept, the others continue from their
newest snapshot; the table then also lists the models finished there
before with the same budget and seed, so that a model added to a
folder later (``--resume --models avb_acf32``) joins the others. Without
it, an ``--out`` that already holds runs is refused, so nothing written
is mixed or overwritten.

``--summarize DIR [DIR ...]`` trains nothing: it reads the ``table2.json``
of earlier runs (one per seed) and writes ``<out>/table2_seeds.md``, the
mean and range over seeds of every number and of the paired
differences.
"""
import json
import os
import subprocess
import sys
import time

import numpy

from vae_avb.evaluation import mean_and_standard_error
from vae_avb.utils.cli import ArgumentParser
from vae_avb.utils.cli import positive_int
from vae_avb.utils.cli import prepare_out
from vae_avb.utils.cli import run_main
from vae_avb.utils.cli import UsageError

HERE = os.path.dirname(os.path.abspath(__file__))

# Paper Table 2: (ELBO, its +-, ELBO is an estimate, AIS, its +-).
PAPER = {
    'avb8': (-83.6, 0.4, True, -91.2, 0.6),
    'avb_ac8': (-96.3, 0.4, True, -89.6, 0.6),
    'avb_ac32': (-79.5, 0.3, True, -80.2, 0.4),
    'vae8': (-98.1, 0.5, False, -90.9, 0.6),
    'vae32': (-87.2, 0.3, False, -81.9, 0.4),
}
# The paper's row order and each model's train_avb.py flags.
MODELS = [
    ('avb8', 'AVB (8-dim)', ['--dim-z', '8']),
    ('avb_ac8', 'AVB + AC (8-dim)', ['--adaptive-contrast', '--dim-z', '8']),
    ('avb_ac32', 'AVB + AC (32-dim)',
     ['--adaptive-contrast', '--dim-z', '32']),
    ('vae8', 'VAE (8-dim)', ['--method', 'vae', '--dim-z', '8']),
    ('vae32', 'VAE (32-dim)', ['--method', 'vae', '--dim-z', '32']),
    # Ours, not in the paper (not run unless named in --models): adaptive
    # contrast with the full covariance of q(z|x) in r(z|x).
    ('avb_acf8', 'AVB + AC full (8-dim)',
     ['--adaptive-contrast', '--contrast', 'full', '--dim-z', '8']),
    ('avb_acf32', 'AVB + AC full (32-dim)',
     ['--adaptive-contrast', '--contrast', 'full', '--dim-z', '32']),
]
# What runs without --models: the paper's five.
DEFAULT_MODELS = ['avb8', 'avb_ac8', 'avb_ac32', 'vae8', 'vae32']
# Both budgets use the larger adversary (towers of two hidden layers of
# 1,024, train_avb.py's default being 300): on the CPU budget it is what
# puts AVB + AC ahead of the VAE at 32-D (see examples/mnist/README.md),
# and the authors' is larger still. The VAEs have no adversary.
LARGER_ADVERSARY = ['--adversary-dim-h', '1024', '--adversary-layers', '3']
BUDGETS = {
    'cpu': ['--epoch', '30', '--ais-size', '300', '--ais-temperatures',
            '1000', '--ais-leapfrog', '5', '--ais-chains', '8',
            '--ais-adapt'] + LARGER_ADVERSARY,
    # AIS runs on all 10,000 test images in one batch (80,000 chains): on
    # an H200 batches of 1,000 already ran 10 times as fast as the default
    # batches of 100.
    'gpu': ['--epoch', '300', '--ais-size', '10000', '--ais-temperatures',
            '2000', '--ais-leapfrog', '10', '--ais-chains', '8',
            '--ais-batch-size', '10000'] + LARGER_ADVERSARY,
    'test': ['--test'],
}


def parse_args(argv):
    parser = ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--budget', choices=['cpu', 'gpu'], default='cpu')
    parser.add_argument('--models', nargs='+', default=DEFAULT_MODELS,
                        choices=[m[0] for m in MODELS],
                        help='default: the paper\'s five; avb_acf8 and '
                        'avb_acf32 add AC with the full covariance')
    parser.add_argument('--device', '-d', default='@numpy')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--jobs', type=positive_int, default=2,
                        help='runs at a time (default 2)')
    parser.add_argument('--threads', type=positive_int, default=1,
                        help='BLAS threads per run (default 1)')
    parser.add_argument('--out', '-o', default='results/mnist_table2')
    parser.add_argument('--extra', nargs='*', action='extend', default=[],
                        help='more train_avb.py flags for every run, after '
                        'the budget\'s, one per --extra (e.g. '
                        '--extra=--epoch=5 --extra=--adversary-layers=3)')
    parser.add_argument('--test', action='store_true',
                        help='every run with --test, to check the script')
    parser.add_argument('--resume', action='store_true',
                        help='keep the models --out already finished and '
                        'continue the others from their newest snapshot')
    parser.add_argument('--summarize', nargs='+', metavar='DIR',
                        help='summarise earlier runs (one --out per seed) '
                        'instead of training')
    return parser.parse_args(argv)


# Longest runs first, so that parallel jobs end together.
RUN_ORDER = ['avb_acf32', 'avb_ac32', 'avb_acf8', 'avb_ac8', 'avb8', 'vae32',
             'vae8']


def commands(args):
    """``(key, name, argv)`` of each run, longest first."""
    budget = BUDGETS['test' if args.test else args.budget]
    runs = []
    for key, name, flags in sorted(MODELS,
                                   key=lambda m: RUN_ORDER.index(m[0])):
        if key not in args.models:
            continue
        argv = ([sys.executable, os.path.join(HERE, 'train_avb.py')] + flags
                + budget + ['--device', args.device, '--seed',
                            str(args.seed), '--out',
                            os.path.join(args.out, key)] + args.extra)
        runs.append((key, name, argv))
    return runs


def finished(out, key):
    return os.path.exists(os.path.join(out, key, 'metrics.json'))


def check_resume(runs, out, resume):
    """The runs still to do: all of them on a fresh ``out``; with
    ``resume``, those without ``metrics.json``, each told to continue from
    its newest snapshot."""
    started = [key for key, _, _ in runs
               if os.path.isdir(os.path.join(out, key))
               and os.listdir(os.path.join(out, key))]
    if not resume:
        if started:
            raise UsageError('--out {} already holds runs ({}); add --resume '
                             'to continue them, or choose another --out'
                             .format(out, ', '.join(started)))
        return list(runs)
    todo = []
    for key, name, argv in runs:
        if finished(out, key):
            print('kept {}: {} is finished'.format(
                name, os.path.join(out, key)), flush=True)
        else:
            todo.append((key, name, argv + ['--resume', 'auto']))
    return todo


def run_all(runs, jobs, threads, out):
    """Runs the commands ``jobs`` at a time; stops at the first failure.
    Each run's output goes to ``<out>/<key>.log`` (appended to, so that a
    resumed run keeps its first part)."""
    env = dict(os.environ, OMP_NUM_THREADS=str(threads),
               OPENBLAS_NUM_THREADS=str(threads), MKL_NUM_THREADS=str(threads))
    pending = list(runs)
    active = []
    while pending or active:
        while pending and len(active) < jobs:
            key, name, argv = pending.pop(0)
            log = open(os.path.join(out, key + '.log'), 'a')
            print('started {}: {}'.format(name, ' '.join(argv[1:])),
                  flush=True)
            active.append((key, name, subprocess.Popen(
                argv, stdout=log, stderr=subprocess.STDOUT, env=env), log,
                time.time()))
        time.sleep(0.5)
        for item in list(active):
            key, name, process, log, began = item
            if process.poll() is None:
                continue
            log.close()
            active.remove(item)
            if process.returncode != 0:
                for _, _, other, _, _ in active:
                    other.kill()
                with open(os.path.join(out, key + '.log')) as f:
                    tail = f.read().strip().splitlines()[-1:]
                raise UsageError('{} failed (exit {}): {}; see {}'.format(
                    name, process.returncode, ' '.join(tail),
                    os.path.join(out, key + '.log')))
            print('finished {} in {:.0f} s'.format(name, time.time() - began),
                  flush=True)


def read_metrics(out, key):
    with open(os.path.join(out, key, 'metrics.json')) as f:
        return json.load(f)


def same_settings(a, b):
    """Whether two runs' metrics come from one budget and seed."""
    def settings(m):
        # The AIS batch size changes only which numbers each chain draws.
        ais = {k: v for k, v in m['ais'].items()
               if k not in ('seconds', 'acceptance', 'start', 'batch_size')}
        return m['epochs'], m['seed'], m['device'], ais
    return settings(a) == settings(b)


def folder_results(runs, out, resume):
    """The metrics and commands the table shows: the runs of this
    invocation and, with ``resume``, every other model already finished
    in ``out`` with the same budget and seed (so that adding a model to a
    folder keeps the others in its table). Their commands come from the
    folder's earlier ``table2.json``."""
    results = {key: read_metrics(out, key) for key, _, _ in runs}
    argvs = {key: argv[1:] for key, _, argv in runs}
    if resume:
        earlier = []
        path = os.path.join(out, 'table2.json')
        if os.path.exists(path):
            with open(path) as f:
                earlier = json.load(f).get('commands', [])
        reference = results[runs[0][0]]
        for key, name, _ in MODELS:
            if key in results or not finished(out, key):
                continue
            metrics = read_metrics(out, key)
            if not same_settings(metrics, reference):
                print('left {} out of the table: its budget or seed differs'
                      .format(name), flush=True)
                continue
            results[key] = metrics
            run_out = os.path.join(out, key)
            argvs[key] = next((a for a in earlier if run_out in a), None)
    order = [key for key, _, _ in MODELS]
    results = {k: results[k] for k in sorted(results, key=order.index)}
    return results, [argvs[k] for k in results]


def paper_cells(key):
    """The paper's ELBO and log p(x) cells of a row."""
    if key not in PAPER:
        return 'not in the paper', ''
    elbo, elbo_err, estimate, ais, ais_err = PAPER[key]
    return (paper_cell(elbo, elbo_err, estimate),
            paper_cell(ais, ais_err, False))


def paper_cell(value, error, estimate):
    return '{}{:.1f} +- {:.1f}'.format('~' if estimate else '', value, error)


def table(results, wall_seconds, args):
    lines = ['| model | ELBO paper | ELBO ours | log p(x) paper (AIS) | '
             'log p(x) ours (AIS) | train (s) | AIS (s) |',
             '| --- | --- | --- | --- | --- | --- | --- |']
    for key, name, _ in MODELS:
        if key not in results:
            continue
        m = results[key]
        paper_elbo, paper_ais = paper_cells(key)
        lines.append('| {} | {} | {}{:.1f} | {} | {:.1f} +- {:.1f} | {:.0f} '
                     '| {:.0f} |'.format(
                         name, paper_elbo,
                         '~' if m['elbo_is_estimate'] else '',
                         m['test_elbo'], paper_ais,
                         m['ais_log_likelihood'],
                         m['ais_standard_error'] or 0.,
                         m['train_seconds'], m['ais']['seconds']))
    first = results[next(iter(results))]
    lines += ['', 'Budget: {}; {} epochs; AIS on the first {} test images, '
              '{} temperatures, {} leapfrog steps, {} chains{}. '
              'Wall time {:.0f} s{}. ~: the adversary\'s KL estimate. '
              'Ours +-: standard error over the images.'.format(
                  'test' if args.test else args.budget, first['epochs'],
                  first['ais']['images'], first['ais']['temperatures'],
                  first['ais']['leapfrog'], first['ais']['chains'],
                  ', adaptive step' if first['ais']['adapt'] else '',
                  wall_seconds,
                  ' (this resumed invocation only)' if args.resume else '')]
    pairs = paired_differences(results, args.out)
    if pairs:
        lines += ['', 'Paired differences of log p(x) on the same images '
                  '(mean +- standard error):', '']
        lines += ['- {} minus {}: {:+.2f} +- {:.2f}'.format(a, b, d, se)
                  for a, b, d, se in pairs]
    return '\n'.join(lines) + '\n'


def paired_differences(results, out):
    """The orderings the paper reports, on the same test images."""
    names = {key: name for key, name, _ in MODELS}
    pairs = []
    for a, b in (('avb_ac32', 'vae32'), ('avb_ac8', 'vae8'),
                 ('avb_ac8', 'avb8'), ('avb_acf32', 'vae32'),
                 ('avb_acf8', 'vae8'), ('avb_acf8', 'avb8'),
                 ('avb_acf32', 'avb_ac32'), ('avb_acf8', 'avb_ac8')):
        if a in results and b in results:
            la = numpy.load(os.path.join(out, a, 'ais_log_px.npy'))
            lb = numpy.load(os.path.join(out, b, 'ais_log_px.npy'))
            if len(la) == len(lb):
                mean, error = mean_and_standard_error(la - lb)
                if error is not None:
                    pairs.append((names[a], names[b], mean, error))
    return pairs


def spread(values, digits=1):
    """``mean (min to max)`` of a list of numbers."""
    f = '{:.%df}' % digits
    return (f + ' (' + f + ' to ' + f + ')').format(
        numpy.mean(values), min(values), max(values))


def summarize(dirs, out):
    """The table over seeds from each run's ``table2.json``."""
    runs = []
    for d in dirs:
        path = os.path.join(d, 'table2.json')
        if not os.path.exists(path):
            raise UsageError('{} has no table2.json; pass folders written '
                             'by this script'.format(d))
        with open(path) as f:
            runs.append((d, json.load(f)['results']))
    seeds = [next(iter(r.values()))['seed'] for _, r in runs]
    lines = ['| model | ELBO paper | ELBO ours | log p(x) paper (AIS) | '
             'log p(x) ours (AIS) | train (s) |',
             '| --- | --- | --- | --- | --- | --- |']
    for key, name, _ in MODELS:
        if not all(key in r for _, r in runs):
            continue
        ms = [r[key] for _, r in runs]
        paper_elbo, paper_ais = paper_cells(key)
        lines.append('| {} | {} | {}{} | {} | {} | {} |'.format(
            name, paper_elbo,
            '~' if ms[0]['elbo_is_estimate'] else '',
            spread([m['test_elbo'] for m in ms]),
            paper_ais,
            spread([m['ais_log_likelihood'] for m in ms]),
            spread([m['train_seconds'] for m in ms], 0)))
    lines += ['', 'Mean (min to max) over seeds {}.'.format(
        ', '.join(map(str, seeds))), '',
        'Paired differences of log p(x) on the same images, by seed:', '']
    by_pair = {}
    for seed, (d, r) in zip(seeds, runs):
        for a, b, diff, se in paired_differences(r, d):
            by_pair.setdefault((a, b), []).append((seed, diff, se))
    for (a, b), values in by_pair.items():
        lines.append('- {} minus {}: {}'.format(a, b, ', '.join(
            'seed {} {:+.2f} +- {:.2f}'.format(*v) for v in values)))
    text = '\n'.join(lines) + '\n'
    with open(os.path.join(out, 'table2_seeds.md'), 'w') as f:
        f.write(text)
    print(text)
    return text


def main(argv=None):
    args = parse_args(argv)
    prepare_out(args.out)
    if args.summarize:
        return summarize(args.summarize, args.out)
    runs = commands(args)
    todo = check_resume(runs, args.out, args.resume)
    began = time.time()
    run_all(todo, args.jobs, args.threads, args.out)
    wall = time.time() - began
    results, argvs = folder_results(runs, args.out, args.resume)
    text = table(results, wall, args)
    with open(os.path.join(args.out, 'table2.md'), 'w') as f:
        f.write(text)
    with open(os.path.join(args.out, 'table2.json'), 'w') as f:
        json.dump({'results': results, 'wall_seconds': wall,
                   'commands': argvs}, f, indent=2)
    print(text)
    return results


if __name__ == '__main__':
    run_main(main, sys.argv[1:])
