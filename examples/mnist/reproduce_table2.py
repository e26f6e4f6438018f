"""Runs the five models of the AVB paper's Table 2 and writes "paper | ours".

VAE (8-dim), AVB (8-dim), AVB + AC (8-dim), VAE (32-dim) and AVB + AC
(32-dim) on dynamically binarized MNIST with ``train_avb.py``'s MLPs
(their flags, the paper's numbers and the budgets are the data of
``table2.json``) and one budget: ``--budget cpu`` (30 epochs, AIS on 300
test images; 93 minutes on 2 cores with ``--jobs 2``) or ``--budget
gpu`` (300 epochs, the authors' AIS on the whole test set). Both give
the AVB models the larger adversary; ``--extra`` flags come last and
override the budget's.

Writes ``<out>/<model>/`` (each run), ``<out>/<model>.log``,
``<out>/table2.md`` and ``<out>/table2.json``; runs go ``--jobs`` at a
time, each with ``--threads`` BLAS threads. ``--resume`` keeps the
finished models and continues the others (a model added later joins the
table); without it an ``--out`` holding runs or tables is refused.
``--summarize DIR...`` trains nothing and writes
``<out>/table2_seeds.md``, the mean and range over seeds and the paired
differences by seed.

    python examples/mnist/reproduce_table2.py --budget cpu --jobs 2
    python examples/mnist/reproduce_table2.py --budget gpu --jobs 5 \\
        --threads 2 --device @cupy:0
"""
import collections
import contextlib
import io
import os
import sys
import time

from vae_avb import experiment as ex

HERE = os.path.dirname(os.path.abspath(__file__))
TRAIN = os.path.join(HERE, 'train_avb.py')

# The models, the paper's numbers and the budgets, as data.
TABLE2 = ex.read_json(os.path.join(HERE, 'table2.json'))
Model = collections.namedtuple('Model', 'key name flags paper compare cost')
MODELS = [Model(m['key'], m['name'], m['flags'], m['paper'] and tuple(
    m['paper'][k] for k in ('elbo', 'elbo_error', 'ais', 'ais_error')),
    tuple(m['compare']), m['cost']) for m in TABLE2['models']]
BY_KEY = {m.key: m for m in MODELS}
BUDGETS = TABLE2['budgets']
# How the table names each --arch (runs before --arch were MLPs).
ARCH_NAMES = {'mlp': 'MLPs (--arch mlp)',
              'conv': "the authors' convolutional networks (--arch conv)"}


def networks_of(metrics):
    """``(arch, conv_padding)`` of a run's metrics (runs before
    ``--conv-padding`` padded 'same')."""
    return metrics.get('arch', 'mlp'), metrics.get('conv_padding', 'same')


def kept_settings(metrics):
    """The flags of this script a finished run's metrics record."""
    arch, padding = networks_of(metrics)
    return {'--seed': metrics.get('seed'), '--arch': arch,
            '--conv-padding': padding}


def unlike(args, key, parse_train):
    """How the finished run of model ``key`` in ``--out``, not named by
    ``--models``, was made with other flags than this invocation would
    give it (a string), or ``None``."""
    (_, _, argv), = commands(args, [key])
    try:
        with contextlib.redirect_stderr(io.StringIO()):
            differ = ex.kept_flags_differ(argv, os.path.join(args.out, key),
                                          parse_train)
    except SystemExit:  # train_avb.py refuses these flags for that model.
        return ('other flags than this run\'s --extra, which train_avb.py '
                'refuses for that model')
    return differ and '{}, where this run gives {}'.format(*differ)


def networks_name(metrics):
    arch, padding = networks_of(metrics)
    return ARCH_NAMES[arch] + (
        ", TensorFlow's SAME alignment (--conv-padding tf_same)"
        if padding == 'tf_same' else '')


def parse_args(argv):
    parser = ex.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--budget', choices=['cpu', 'gpu'], default='cpu')
    ex.add_arch_argument(parser, "the AVB authors' MNIST networks, as "
                         'train_avb.py --arch conv')
    parser.add_argument('--models', nargs='+', choices=list(BY_KEY),
                        default=[m.key for m in MODELS if m.paper],
                        help='default: the paper\'s five; avb_acf8 and '
                        'avb_acf32 add AC with the full covariance')
    parser.add_argument('--device', '-d', default='@numpy')
    parser.add_argument('--seed', type=ex.seed, default=0)
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
    args = parser.parse_args(argv)
    if args.summarize and len({os.path.realpath(d) for d in args.summarize}) \
            < len(args.summarize):
        parser.error('--summarize names a folder twice; give each seed\'s '
                     'folder once')
    if args.summarize:
        # It reads finished folders: a flag of training would be ignored.
        for dest in SUMMARIZE_IGNORES:
            if getattr(args, dest) != parser.get_default(dest):
                parser.error('--{} is not used by --summarize, which only '
                             'reads the finished folders; drop it'.format(
                                 dest.replace('_', '-')))
    else:  # Checked once here rather than by every run.
        ex.resolve_device(parser, args.device)
    ex.check_conv_padding(parser, args)
    for flag in args.extra:
        # A short flag may carry its value ('-z8').
        name = flag.split('=')[0] if flag.startswith('--') else flag[:2]
        if name in OWN_FLAGS:
            parser.error(
                '--extra={} sets what this script sets for every run (its '
                'folder, device, seed, resume or model); use {} of this '
                'script instead'.format(flag, OWN_FLAGS[name]))
    return args


# The flags of training, which --summarize does not use.
SUMMARIZE_IGNORES = ('budget', 'arch', 'conv_padding', 'models', 'device',
                     'seed', 'jobs', 'threads', 'extra', 'test', 'resume')


# train_avb.py flags this script gives every run itself, or that define
# the model a row of the table names.
OWN_FLAGS = {'--out': '--out', '-o': '--out', '--device': '--device',
             '-d': '--device', '--seed': '--seed', '--resume': '--resume',
             '-r': '--resume', '--test': '--test', '--method': '--models',
             '--adaptive-contrast': '--models', '--contrast': '--models',
             '--dim-z': '--models', '-z': '--models', '--arch': '--arch',
             '--conv-padding': '--conv-padding'}


def commands(args, models=None):
    """``(key, name, argv)`` of each run (of ``models``, default
    ``--models``), longest first."""
    budget = BUDGETS['test' if args.test else args.budget]
    return [(m.key, m.name, [sys.executable, TRAIN] + m.flags + budget + [
        '--arch', args.arch, '--conv-padding', args.conv_padding,
        '--device', args.device,
        '--seed', str(args.seed), '--out',
        os.path.join(args.out, m.key)] + args.extra)
        for m in sorted(MODELS, key=lambda m: -m.cost)
        if m.key in (args.models if models is None else models)]


def same_settings(a, b):
    """Whether two runs' metrics come from one budget and seed (the AIS
    batch size changes only which numbers each chain draws)."""
    def settings(m):
        return (m['epochs'], m['seed'], m['device'], networks_of(m),
                ex.ais_pairing(m))
    return settings(a) == settings(b)


def read(run_out):
    """A finished run's ``(metrics, log_px)``; refused in one line when a
    number of the table is missing (a diverged run writes null for NaN).
    """
    metrics, log_px = ex.read_ais(run_out, ex.RUN_KEYS)
    again = 'move that model\'s folder away and train it again with --resume'
    ex.check_numbers(run_out, metrics, ['test_elbo', 'train_seconds'], again)
    ex.check_numbers(run_out + "'s \"ais\" entry", metrics['ais'],
                     ['seconds'], again)
    # The seed names the run in a summary over seeds ("0" and 0 were two).
    ex.check_entries(os.path.join(run_out, 'metrics.json'), metrics, {
        'seed': (ex.is_int(0, 2 ** 32 - 1), 'an integer seed')}, again)
    return metrics, log_px


def ais_seconds(metrics):
    """The AIS time's cell (empty for a run that did not record it)."""
    seconds = metrics['ais'].get('seconds')
    return '' if seconds is None else '{:.0f}'.format(seconds)


def paper_cells(key):
    paper = BY_KEY[key].paper
    if paper is None:
        return 'not in the paper', ''
    return (ex.estimate_cell(paper[0], paper[1],
                             approximate=key.startswith('avb')),
            ex.estimate_cell(paper[2], paper[3]))


def pairs(results):
    """The orderings the paper reports, paired on the same images."""
    return [(BY_KEY[a].name, BY_KEY[b].name, mean, error)
            for a, b, mean, error in ex.paired_differences(
                {k: px for k, (_, px) in results.items()},
                [(m.key, other) for m in MODELS for other in m.compare])]


def rows(runs, cell, time_cells):
    """One row per model finished in every run: names, the paper's and
    our ELBO, the paper's and our log p(x)."""
    return [[m.name, paper_cells(m.key)[0], ('~' if runs[0][m.key][0][
        'elbo_is_estimate'] else '') + cell([r[m.key][0]['test_elbo']
                                            for r in runs]),
             paper_cells(m.key)[1], cell(
                 [r[m.key][0]['ais_log_likelihood'] for r in runs],
                 [r[m.key][0]['ais_standard_error'] for r in runs])]
            + time_cells([r[m.key][0] for r in runs])
            for m in MODELS if all(m.key in r for r in runs)]


HEADER = ['model', 'ELBO paper', 'ELBO ours', 'log p(x) paper (AIS)',
          'log p(x) ours (AIS)', 'train (s)']


def table(results, wall_seconds, args):
    first = next(iter(results.values()))[0]
    text = ex.markdown_table(HEADER + ['AIS (s)'], rows(
        [results], lambda v, e=None: ex.estimate_cell(
            v[0], None if e is None else e[0]),
        lambda ms: ['{:.0f}'.format(ms[0]['train_seconds']),
                    ais_seconds(ms[0])])) + (
        '\n\nNetworks: {}. Budget: {}; {} epochs; AIS on the first '
        '{images} test images, {temperatures} temperatures, {leapfrog} '
        'leapfrog steps, {chains} chains{}. Wall time {:.0f} s{}. ~: the '
        'adversary\'s KL estimate. Ours +-: standard error over the '
        'images.\n'.format(
            networks_name(first),
            'test' if args.test else args.budget, first['epochs'],
            ', adaptive step' if first['ais']['adapt'] else '', wall_seconds,
            ' (this resumed invocation only)' if args.resume else '',
            **first['ais']))
    found = pairs(results)
    if found:
        text += ('\nPaired differences of log p(x) on the same images '
                 '(mean +- standard error):\n\n' + ''.join(
                     '- {} minus {}: {:+.2f} +- {:.2f}\n'.format(*p)
                     for p in found))
    return text


def check_one_budget(dirs, runs, seeds):
    """Refuses folders that are not one experiment over seeds: a seed
    twice, or a model trained or estimated otherwise (epochs, AIS
    settings) in one folder than in another. (Runs whose table values
    are missing, as a diverged run's, were refused by :func:`read`.)"""
    for d, r, seed in zip(dirs, runs, seeds):
        for key, (metrics, _) in r.items():
            path = os.path.join(d, key, 'metrics.json')
            if metrics.get('seed') != seed:
                raise ex.UsageError(
                    '{}: seed {!r}, where the folder\'s other runs have {!r}; '
                    'pass folders written by one reproduce_table2.py '
                    'command'.format(path, metrics.get('seed'), seed))
    repeated = sorted({repr(s) for s in seeds if seeds.count(s) > 1})
    if repeated:
        raise ex.UsageError(
            'the folders hold seed {} more than once; pass one folder per '
            'seed'.format(' and '.join(repeated)))
    for m in MODELS:
        settings = {}
        for d, r in zip(dirs, runs):
            if m.key in r:
                metrics = r[m.key][0]
                settings.setdefault(repr((metrics.get('epochs'),
                                          ex.ais_pairing(metrics))), d)
        if len(settings) > 1:
            first, second = list(settings.values())[:2]
            raise ex.UsageError(
                '{} was trained or estimated otherwise in {} than in {} '
                '(epochs or AIS settings); summarize folders of one budget'
                .format(m.name, first, second))
        # The other training flags (--extra ones, a budget's adversary),
        # as each run's args.json keeps them; those a run's file lacks
        # (written before the flag existed) are not compared.
        kept = [(d, training_flags(os.path.join(d, m.key)))
                for d, r in zip(dirs, runs) if m.key in r]
        kept = [(d, flags) for d, flags in kept if flags is not None]
        for d, flags in kept[1:]:
            first, base = kept[0]
            differ = ex.flags_differ(base, flags)
            if differ:
                raise ex.UsageError(
                    '{} was trained with other flags in {} than in {} ({} '
                    'against {}); summarize folders of one budget'.format(
                        m.name, d, first, differ[1], differ[0]))


def training_flags(run_out):
    """A run's train_avb.py flags (its args.json) that change its
    numbers, the seed and the AIS flags (compared apart) left out;
    ``None`` for a run without the file."""
    path = os.path.join(run_out, 'args.json')
    if not os.path.lexists(path):
        return None
    flags = ex.read_json(path, 'pass folders written by this script')
    return {k: v for k, v in flags.items() if k not in ex.UNCOMPARED
            and k != 'seed' and not k.startswith('ais_')}


def summarize(dirs, out):
    """The table over seeds from each run's folder (one per seed)."""
    ex.check_output_files([os.path.join(out, 'table2_seeds.md')])
    runs = []
    for d in dirs:
        path = os.path.join(d, 'table2.json')
        done = ex.read_json(path, 'pass folders written by this script',
                            ['results'])['results']
        runs.append({k: read(os.path.join(d, k)) for k in BY_KEY
                     if isinstance(done, dict) and k in done})
        if not runs[-1]:
            raise ex.UsageError('{} lists no finished model; pass folders '
                                'written by this script'.format(path))
    seeds = [next(iter(r.values()))[0]['seed'] for r in runs]
    networks = {}
    for d, r in zip(dirs, runs):
        for key, (metrics, _) in r.items():
            arch, padding = networks_of(metrics)
            for name, value, known in (('arch', arch, ARCH_NAMES),
                                       ('conv_padding', padding,
                                        ex.CONV_PADDINGS)):
                if not isinstance(value, str) or value not in known:
                    raise ex.UsageError(
                        '{}: {} must be one of {}, got {!r}; pass folders '
                        'written by this script'.format(
                            os.path.join(d, key, 'metrics.json'), name,
                            ', '.join(known), value))
            networks[arch, padding] = metrics
    if len(networks) > 1:
        raise ex.UsageError('the folders mix {}; summarize one architecture '
                            'at a time'.format(' and '.join(
                                '--arch {} --conv-padding {}'.format(*n)
                                for n in sorted(networks))))
    check_one_budget(dirs, runs, seeds)
    left_out = [m.name for m in MODELS if any(m.key in r for r in runs)
                and not all(m.key in r for r in runs)]
    by_pair = collections.OrderedDict()
    for seed, r in zip(seeds, runs):
        for a, b, diff, se in pairs(r):
            by_pair.setdefault((a, b), []).append(
                'seed {} {:+.2f} +- {:.2f}'.format(seed, diff, se))
    text = ex.markdown_table(HEADER, rows(
        runs, lambda v, e=None: ex.spread(v), lambda ms: [ex.spread(
            [m['train_seconds'] for m in ms], '{:.0f}')])) + (
        '\n\nNetworks: {}. Mean (min to max) over seeds {}.\n\nPaired '
        'differences of log p(x) on the same images, by seed:\n\n'.format(
            networks_name(next(iter(networks.values()))),
            ', '.join(map(str, seeds)))) + ''.join(
        '- {} minus {}: {}\n'.format(a, b, ', '.join(v))
        for (a, b), v in by_pair.items())
    if left_out:
        text += ('\nLeft out of the table (not finished in every folder): '
                 '{}.\n'.format(', '.join(left_out)))
    ex.write_text(os.path.join(out, 'table2_seeds.md'), text)
    print(text)
    return text


@ex.script_main
def main(argv=None):
    args = parse_args(argv)
    ex.prepare_out(args.out)
    if args.summarize:
        return summarize(args.summarize, args.out)
    runs = commands(args)
    # A kept run of other flags is refused before anything trains: by
    # its metrics (runs made before args.json too), then by its args.json.
    if args.resume:
        ex.refuse_kept_unlike(
            args.out, [key for key, _, _ in runs], read, kept_settings,
            kept_settings({'seed': args.seed, 'arch': args.arch,
                           'conv_padding': args.conv_padding}))
    parse_train = ex.load_script(TRAIN).parse_args
    jobs = [ex.Job(key, name, argv, os.path.join(args.out, key + '.log'))
            for key, name, argv in runs]
    # --extra flags train_avb.py refuses for a model end here, in one
    # line, before any run starts.
    parsed = ex.parse_planned(jobs, parse_train, 'train_avb.py')
    # A damaged earlier table2.json is met now, not after the training.
    if args.resume:
        ex.earlier_commands(os.path.join(args.out, 'table2.json'))
    todo = ex.plan_runs(jobs, args.out, args.resume,
                        lambda job: os.path.join(args.out, job.key),
                        lambda flags: parsed[tuple(flags)],
                        outputs=[os.path.join(args.out, name) for name in
                                 ('table2.md', 'table2.json')])
    began = time.time()
    ex.run_jobs(todo, args.jobs, ex.thread_env(args.threads))
    wall = time.time() - began
    results, argvs = ex.folder_results(
        args.out, {key: argv[1:] for key, _, argv in runs}, list(BY_KEY),
        read, same_settings, 'table2.json', args.resume,
        fresh=[job.key for job in todo],
        unlike=lambda key: unlike(args, key, parse_train))
    text = table(results, wall, args)
    ex.write_text(os.path.join(args.out, 'table2.md'), text)
    metrics = {key: m for key, (m, _) in results.items()}
    ex.write_json(os.path.join(args.out, 'table2.json'), {
        'results': metrics, 'wall_seconds': wall, 'commands': argvs})
    print(text)
    return metrics


if __name__ == '__main__':
    ex.run_main(main, sys.argv[1:])
