"""Compares finished runs on the same AIS images: paired log p(x) differences.

Each RUN is the ``--out`` folder of a ``train_avb.py`` run (its
``metrics.json`` and ``ais_log_px.npy``) or of an ``evaluate_avb.py``
evaluation (``evaluation.json``). The first is the baseline; for every
other run the table gives its log p(x), its difference from the baseline
on the same test images (mean +- standard error over the images, much
tighter than either number's own error) and the ``train_avb.py`` settings
in which it differs from the baseline (from the ``args.json`` files):

    python examples/mnist/compare_runs.py results/vae32 results/ac32 \\
        results/ac32_big_adversary

Runs whose AIS covered other images or used other AIS settings are
refused: their numbers cannot be paired. With ``--out`` the table is also
written to ``<out>/comparison.md``.
"""
import json
import os
import sys

import numpy

from vae_avb.evaluation import mean_and_standard_error
from vae_avb.utils.cli import ArgumentParser
from vae_avb.utils.cli import prepare_out
from vae_avb.utils.cli import run_main
from vae_avb.utils.cli import UsageError

# Settings that say nothing about the model or the estimate.
IGNORED_ARGS = ('out', 'resume', 'device', 'snapshot_every',
                'keep_snapshots', 'skip_nonfinite')
# Settings a run of this kind does not use: not a difference when it has
# other values there (a VAE trains no adversary).
ADAPTIVE_CONTRAST_ARGS = ('n_basis', 'contrast', 'coefficient_offset')
UNUSED_ARGS = {
    'vae': ('adaptive_contrast', 'dim_noise', 'adversary_dim_h',
            'adversary_layers', 'adversary_lr', 'adversary_steps')
    + ADAPTIVE_CONTRAST_ARGS,
    'avb': ADAPTIVE_CONTRAST_ARGS,
    'avb+ac': (),
}
# AIS settings that must agree for two estimates to be paired.
AIS_KEYS = ('images', 'temperatures', 'leapfrog', 'step', 'chains', 'adapt')


def parse_args(argv):
    parser = ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('runs', nargs='+', metavar='RUN',
                        help='train_avb.py or evaluate_avb.py output '
                        'folders; the first is the baseline')
    parser.add_argument('--out', '-o', default=None,
                        help='also write <out>/comparison.md')
    args = parser.parse_args(argv)
    if len(args.runs) < 2:
        parser.error('give a baseline and at least one run to compare '
                     'with it')
    return args


def read_run(folder):
    """``(metrics, log_px, run_args)`` of one output folder."""
    if not os.path.isdir(folder):
        raise UsageError('{} is not a folder; pass train_avb.py or '
                         'evaluate_avb.py output folders'.format(folder))
    for name in ('metrics.json', 'evaluation.json'):
        path = os.path.join(folder, name)
        if os.path.exists(path):
            break
    else:
        raise UsageError('{} has neither metrics.json nor evaluation.json; '
                         'is the run finished?'.format(folder))
    with open(path) as f:
        metrics = json.load(f)
    if 'ais' not in metrics:
        raise UsageError('{} holds no AIS estimate; pass train_avb.py or '
                         'evaluate_avb.py folders'.format(path))
    px_path = os.path.join(folder, 'ais_log_px.npy')
    if not os.path.exists(px_path):
        raise UsageError('{} has no ais_log_px.npy, the per-image estimates '
                         'the pairing needs'.format(folder))
    log_px = numpy.load(px_path)
    # An evaluation's model settings are those of the run it evaluated.
    args_folder = metrics.get('run', folder)
    run_args = {}
    args_path = os.path.join(args_folder, 'args.json')
    if os.path.exists(args_path):
        with open(args_path) as f:
            run_args = json.load(f)
    return metrics, log_px, run_args


def run_kind(run_args):
    """``'vae'``, ``'avb'`` or ``'avb+ac'`` from a run's ``args.json``."""
    if run_args.get('method', 'avb') == 'vae':
        return 'vae'
    return 'avb+ac' if run_args.get('adaptive_contrast') else 'avb'


def differing_settings(baseline, other):
    """``--flag value`` for each setting of ``other`` not in ``baseline``.

    Settings ``other``'s kind of model does not use (the adversary of a
    VAE, the contrast of plain AVB) are left out.
    """
    keys = sorted(set(baseline) | set(other))
    unused = UNUSED_ARGS[run_kind(other)] if other else ()
    parts = []
    for key in keys:
        if (key in IGNORED_ARGS or key in unused
                or baseline.get(key) == other.get(key)):
            continue
        value = other.get(key)
        if value is True:
            parts.append('--' + key.replace('_', '-'))
        elif value is False or value is None:
            parts.append('no --' + key.replace('_', '-'))
        else:
            parts.append('--{} {}'.format(key.replace('_', '-'), value))
    return ' '.join(parts)


def estimate(values, signed=False):
    """``mean +- standard error`` of per-image values (one image: no error)."""
    mean, error = mean_and_standard_error(values)
    text = ('{:+.2f}' if signed else '{:.2f}').format(mean)
    return text if error is None else '{} +- {:.2f}'.format(text, error)


def ais_settings(metrics):
    return {k: metrics['ais'].get(k) for k in AIS_KEYS}


def compare(folders):
    """The Markdown table comparing ``folders[1:]`` with ``folders[0]``."""
    runs = [read_run(f) for f in folders]
    base_metrics, base_px, base_args = runs[0]
    for folder, (metrics, log_px, _) in zip(folders[1:], runs[1:]):
        if ais_settings(metrics) != ais_settings(base_metrics):
            raise UsageError(
                '{} and {} used different AIS settings ({} vs {}); '
                'evaluate both alike with evaluate_avb.py'.format(
                    folders[0], folder, ais_settings(base_metrics),
                    ais_settings(metrics)))
        if len(log_px) != len(base_px):
            raise UsageError('{} has {} AIS images, {} has {}; they cannot '
                             'be paired'.format(folders[0], len(base_px),
                                                folder, len(log_px)))
    lines = ['| run | model | log p(x) (AIS) | minus baseline (paired) | '
             'settings that differ |',
             '| --- | --- | --- | --- | --- |']
    for i, (folder, (metrics, log_px, run_args)) in enumerate(
            zip(folders, runs)):
        if i == 0:
            paired = 'baseline'
            settings = ''
        else:
            paired = estimate(log_px - base_px, signed=True)
            settings = differing_settings(base_args, run_args)
        lines.append('| {} | {} | {} | {} | {} |'.format(
            folder, metrics.get('model', ''), estimate(log_px), paired,
            settings))
    ais = ais_settings(base_metrics)
    lines += ['', 'AIS on the first {images} test images, {temperatures} '
              'temperatures, {leapfrog} leapfrog steps, {chains} chains'
              .format(**ais) + (', adaptive step.' if ais['adapt'] else '.')
              + ' +-: standard error over the images.']
    return '\n'.join(lines) + '\n'


def main(argv=None):
    args = parse_args(argv)
    text = compare(args.runs)
    if args.out is not None:
        prepare_out(args.out)
        with open(os.path.join(args.out, 'comparison.md'), 'w') as f:
            f.write(text)
    print(text)
    return text


if __name__ == '__main__':
    run_main(main, sys.argv[1:])
