"""Runs the five models of the AVB paper's Table 2 and writes "paper | ours".

VAE (8-dim), AVB (8-dim), AVB + AC (8-dim), VAE (32-dim) and AVB + AC
(32-dim) on dynamically binarized MNIST with ``train_avb.py``'s MLPs and
one budget: ``--budget cpu`` (30 epochs, AIS on 300 test images; 93
minutes on 2 cores with ``--jobs 2``) or ``--budget gpu`` (300 epochs,
the authors' AIS on the whole test set). Both give the AVB models the
larger adversary; ``--extra`` flags come last and override the budget's.

Writes ``<out>/<model>/`` (each run), ``<out>/<model>.log``,
``<out>/table2.md`` and ``<out>/table2.json``; runs go ``--jobs`` at a
time, each with ``--threads`` BLAS threads. ``--resume`` keeps the
finished models and continues the others (a model added later joins the
table); without it an ``--out`` holding runs is refused. ``--summarize
DIR...`` trains nothing and writes ``<out>/table2_seeds.md``, the mean
and range over seeds and the paired differences by seed.

    python examples/mnist/reproduce_table2.py --budget cpu --jobs 2
    python examples/mnist/reproduce_table2.py --budget gpu --jobs 5 \\
        --threads 2 --device @cupy:0
"""
import collections
import os
import sys
import time

from vae_avb import experiment as ex
from vae_avb.evaluation import mean_and_standard_error

HERE = os.path.dirname(os.path.abspath(__file__))

Model = collections.namedtuple('Model', 'key name flags paper compare cost')
# The paper's row order, then ours. paper: Table 2's (ELBO, +-, AIS, +-)
# (the AVB ELBOs are the adversary's estimates); compare: the models the
# paired differences set it against; cost: longest runs start first, so
# that parallel jobs end together.
MODELS = [
    Model('avb8', 'AVB (8-dim)', ['--dim-z', '8'],
          (-83.6, 0.4, -91.2, 0.6), (), 3),
    Model('avb_ac8', 'AVB + AC (8-dim)', ['--adaptive-contrast', '--dim-z',
                                          '8'],
          (-96.3, 0.4, -89.6, 0.6), ('vae8', 'avb8'), 4),
    Model('avb_ac32', 'AVB + AC (32-dim)', ['--adaptive-contrast',
                                            '--dim-z', '32'],
          (-79.5, 0.3, -80.2, 0.4), ('vae32',), 6),
    Model('vae8', 'VAE (8-dim)', ['--method', 'vae', '--dim-z', '8'],
          (-98.1, 0.5, -90.9, 0.6), (), 1),
    Model('vae32', 'VAE (32-dim)', ['--method', 'vae', '--dim-z', '32'],
          (-87.2, 0.3, -81.9, 0.4), (), 2),
    # Ours, run only when named in --models: adaptive contrast with the
    # full covariance of q(z|x) in r(z|x).
    Model('avb_acf8', 'AVB + AC full (8-dim)',
          ['--adaptive-contrast', '--contrast', 'full', '--dim-z', '8'],
          None, ('vae8', 'avb8', 'avb_ac8'), 5),
    Model('avb_acf32', 'AVB + AC full (32-dim)',
          ['--adaptive-contrast', '--contrast', 'full', '--dim-z', '32'],
          None, ('vae32', 'avb_ac32'), 7),
]
BY_KEY = {m.key: m for m in MODELS}
# Both budgets give the AVB models the larger adversary (towers of two
# hidden layers of 1,024; train_avb.py's default is 300): on the CPU
# budget it puts AVB + AC ahead of the VAE at 32-D (docs/).
LARGER_ADVERSARY = ['--adversary-dim-h', '1024', '--adversary-layers', '3']
BUDGETS = {
    'cpu': ['--epoch', '30', '--ais-size', '300', '--ais-temperatures',
            '1000', '--ais-leapfrog', '5', '--ais-chains', '8',
            '--ais-adapt'] + LARGER_ADVERSARY,
    # AIS on all 10,000 test images in one batch (80,000 chains): on an
    # H200 batches of 1,000 already ran 10 times as fast as batches of 100.
    'gpu': ['--epoch', '300', '--ais-size', '10000', '--ais-temperatures',
            '2000', '--ais-leapfrog', '10', '--ais-chains', '8',
            '--ais-batch-size', '10000'] + LARGER_ADVERSARY,
    'test': ['--test'],
}


def parse_args(argv):
    parser = ex.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--budget', choices=['cpu', 'gpu'], default='cpu')
    parser.add_argument('--models', nargs='+', choices=list(BY_KEY),
                        default=[m.key for m in MODELS if m.paper],
                        help='default: the paper\'s five; avb_acf8 and '
                        'avb_acf32 add AC with the full covariance')
    parser.add_argument('--device', '-d', default='@numpy')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--jobs', type=ex.positive_int, default=2,
                        help='runs at a time (default 2)')
    parser.add_argument('--threads', type=ex.positive_int, default=1,
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


def commands(args):
    """``(key, name, argv)`` of each run, longest first."""
    budget = BUDGETS['test' if args.test else args.budget]
    return [(m.key, m.name, [sys.executable, os.path.join(
        HERE, 'train_avb.py')] + m.flags + budget + [
        '--device', args.device, '--seed', str(args.seed), '--out',
        os.path.join(args.out, m.key)] + args.extra)
        for m in sorted(MODELS, key=lambda m: -m.cost)
        if m.key in args.models]


def same_settings(a, b):
    """Whether two runs' metrics come from one budget and seed (the AIS
    batch size changes only which numbers each chain draws)."""
    def settings(m):
        return m['epochs'], m['seed'], m['device'], ex.ais_pairing(m)
    return settings(a) == settings(b)


def folder_results(runs, out, resume):
    """The metrics and commands the table shows: the runs of this
    invocation and, with ``resume``, every other model already finished
    in ``out`` with the same budget and seed (their commands from the
    folder's earlier ``table2.json``)."""
    results = {key: ex.read_ais(os.path.join(out, key), ex.RUN_KEYS)
               for key, _, _ in runs}
    argvs = {key: argv[1:] for key, _, argv in runs}
    if resume:
        earlier = []
        path = os.path.join(out, 'table2.json')
        if os.path.lexists(path):
            earlier = ex.read_json(path).get('commands', [])
        reference = results[runs[0][0]][0]
        for m in MODELS:
            if m.key in results or not ex.finished(os.path.join(out,
                                                                m.key)):
                continue
            run = ex.read_ais(os.path.join(out, m.key), ex.RUN_KEYS)
            if not same_settings(run[0], reference):
                print('left {} out of the table: its budget or seed differs'
                      .format(m.name), flush=True)
                continue
            results[m.key] = run
            run_out = os.path.join(out, m.key)
            argvs[m.key] = next((a for a in earlier if run_out in a), None)
    keys = [m.key for m in MODELS if m.key in results]
    return {k: results[k] for k in keys}, [argvs[k] for k in keys]


def paper_cells(key):
    paper = BY_KEY[key].paper
    if paper is None:
        return 'not in the paper', ''
    return (ex.estimate_cell(paper[0], paper[1],
                             approximate=key.startswith('avb')),
            ex.estimate_cell(paper[2], paper[3]))


def paired_differences(results):
    """``(a, b, mean, error)`` of the orderings the paper reports, on the
    same test images."""
    pairs = []
    for key, (_, la) in results.items():
        for other in BY_KEY[key].compare:
            if other in results and len(results[other][1]) == len(la):
                mean, error = mean_and_standard_error(la - results[other][1])
                if error is not None:
                    pairs.append((BY_KEY[key].name, BY_KEY[other].name,
                                  mean, error))
    return pairs


HEADER = ['model', 'ELBO paper', 'ELBO ours', 'log p(x) paper (AIS)',
          'log p(x) ours (AIS)', 'train (s)']


def table(results, wall_seconds, args):
    rows = []
    for key, (m, _) in results.items():
        rows.append([BY_KEY[key].name, paper_cells(key)[0], ex.estimate_cell(
            m['test_elbo'], approximate=m['elbo_is_estimate']),
            paper_cells(key)[1], ex.estimate_cell(
                m['ais_log_likelihood'], m['ais_standard_error'] or 0.),
            '{:.0f}'.format(m['train_seconds']),
            '{:.0f}'.format(m['ais']['seconds'])])
    ais = next(iter(results.values()))[0]
    text = ex.markdown_table(HEADER + ['AIS (s)'], rows) + (
        '\n\nBudget: {}; {} epochs; AIS on the first {images} test images, '
        '{temperatures} temperatures, {leapfrog} leapfrog steps, {chains} '
        'chains{}. Wall time {:.0f} s{}. ~: the adversary\'s KL estimate. '
        'Ours +-: standard error over the images.\n'.format(
            'test' if args.test else args.budget, ais['epochs'],
            ', adaptive step' if ais['ais']['adapt'] else '', wall_seconds,
            ' (this resumed invocation only)' if args.resume else '',
            **ais['ais']))
    pairs = paired_differences(results)
    if pairs:
        text += ('\nPaired differences of log p(x) on the same images '
                 '(mean +- standard error):\n\n' + ''.join(
                     '- {} minus {}: {:+.2f} +- {:.2f}\n'.format(*p)
                     for p in pairs))
    return text


def summarize(dirs, out):
    """The table over seeds from each run's folder (one per seed)."""
    runs = []
    for d in dirs:
        keys = ex.read_json(os.path.join(d, 'table2.json'),
                            'pass folders written by this script',
                            ['results'])['results']
        runs.append({k: ex.read_ais(os.path.join(d, k), ex.RUN_KEYS)
                     for k in BY_KEY if k in keys})
    seeds = [next(iter(r.values()))[0]['seed'] for r in runs]
    rows = []
    for m in MODELS:
        if all(m.key in r for r in runs):
            ms = [r[m.key][0] for r in runs]
            rows.append([m.name, paper_cells(m.key)[0], (
                '~' if ms[0]['elbo_is_estimate'] else '') + ex.spread(
                [x['test_elbo'] for x in ms]), paper_cells(m.key)[1],
                ex.spread([x['ais_log_likelihood'] for x in ms]),
                ex.spread([x['train_seconds'] for x in ms], '{:.0f}')])
    by_pair = collections.OrderedDict()
    for seed, r in zip(seeds, runs):
        for a, b, diff, se in paired_differences(r):
            by_pair.setdefault((a, b), []).append(
                'seed {} {:+.2f} +- {:.2f}'.format(seed, diff, se))
    text = ex.markdown_table(HEADER, rows) + (
        '\n\nMean (min to max) over seeds {}.\n\nPaired differences of '
        'log p(x) on the same images, by seed:\n\n'.format(
            ', '.join(map(str, seeds)))) + ''.join(
        '- {} minus {}: {}\n'.format(a, b, ', '.join(v))
        for (a, b), v in by_pair.items())
    with open(os.path.join(out, 'table2_seeds.md'), 'w') as f:
        f.write(text)
    print(text)
    return text


def main(argv=None):
    args = parse_args(argv)
    ex.prepare_out(args.out)
    if args.summarize:
        return summarize(args.summarize, args.out)
    runs = commands(args)
    todo = ex.plan_runs([ex.Job(key, name, argv, os.path.join(
        args.out, key + '.log')) for key, name, argv in runs], args.out,
        args.resume, lambda job: os.path.join(args.out, job.key))
    began = time.time()
    ex.run_jobs(todo, args.jobs, ex.thread_env(args.threads))
    wall = time.time() - began
    results, argvs = folder_results(runs, args.out, args.resume)
    text = table(results, wall, args)
    with open(os.path.join(args.out, 'table2.md'), 'w') as f:
        f.write(text)
    metrics = {key: m for key, (m, _) in results.items()}
    ex.write_json(os.path.join(args.out, 'table2.json'), {
        'results': metrics, 'wall_seconds': wall, 'commands': argvs})
    print(text)
    return metrics


if __name__ == '__main__':
    ex.run_main(main, sys.argv[1:])
