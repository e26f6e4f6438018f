"""Compares finished runs on the same AIS images: paired log p(x) differences.

Each RUN is the ``--out`` folder of a ``train_avb.py`` run (its
``metrics.json`` and ``ais_log_px.npy``) or of an ``evaluate_avb.py``
evaluation (``evaluation.json``). The first is the baseline; for every
other run the table gives its log p(x), its difference from the baseline
on the same test images (mean +- standard error over the images, much
tighter than either number's own error) and the model settings in which
it differs from the baseline (those its method uses, from each run's
``method.json``, or ``args.json`` for runs made before it existed):

    python examples/mnist/compare_runs.py results/vae32 results/ac32 \\
        results/ac32_big_adversary

Runs whose AIS covered other images (another number of them, or test
images binarized with another training ``--seed``) or used other AIS
settings are refused: their numbers cannot be paired. With ``--out``
the table is also written to ``<out>/comparison.md``.
"""
import os
import sys

from vae_avb import experiment as ex
from vae_avb.evaluation import mean_and_standard_error
from vae_avb.experiment.metrics import read_test_images


def parse_args(argv):
    parser = ex.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('runs', nargs='+', metavar='RUN',
                        help='train_avb.py or evaluate_avb.py output '
                        'folders; the first is the baseline')
    parser.add_argument('--out', '-o', default=None,
                        help='also write <out>/comparison.md')
    args = parser.parse_args(argv)
    if len(args.runs) < 2:
        parser.error('give a baseline and at least one run to compare '
                     'with it')
    seen = {}
    for run in args.runs:
        try:  # The folder itself, however it is reached (links, mounts).
            status = os.stat(run)
            where = (status.st_dev, status.st_ino)
        except OSError:  # Missing: refused with its reason later.
            where = os.path.realpath(run)
        if where in seen:
            # Its paired difference would be 0 +- 0: a slip, not a result.
            parser.error('{} and {} are the same run; give each run '
                         'once'.format(seen[where], run))
        seen[where] = run
    return args


def read_run(folder):
    """``(metrics, log_px, method)`` of one output folder: its AIS
    estimate and the method of the model it evaluated (``None`` when the
    run folder is gone or holds no configuration)."""
    metrics, log_px = ex.read_ais(folder)
    # An evaluation's model is that of the run it evaluated.
    run = metrics.get('run', folder)
    method = None
    if isinstance(run, str) and os.path.isdir(run) and any(
            os.path.lexists(os.path.join(run, name))
            for name in ('method.json', 'args.json')):
        method = ex.read_method(run)
    return metrics, log_px, method


# The train_avb.py flag of each setting; the others are not flags.
FLAGS = {'dim_z', 'dim_noise', 'n_basis', 'contrast', 'coefficient_offset',
         'dim_h', 'n_layers', 'adversary_dim_h', 'adversary_layers',
         'adversary_activation', 'adversary_heads', 'lr', 'adversary_lr',
         'beta1', 'adversary_steps'}
METHOD_FLAGS = {'vae': '--method vae', 'avb': '--method avb',
                'avb_ac': '--adaptive-contrast'}


def differing_settings(baseline, other):
    """What ``other``'s model sets otherwise than ``baseline``'s: the
    settings ``other``'s method uses, as ``train_avb.py`` flags where
    they are flags and ``name=value`` otherwise."""
    if other is None:
        return ''
    if baseline is None:
        return "unknown: the baseline's run folder is gone"
    base = baseline.settings(used_only=False)
    parts = []
    for key, value in sorted(other.settings().items()):
        if key in base and base[key] == value:
            continue
        if key == 'method':
            parts.append(METHOD_FLAGS[value])
        elif key == 'family':
            parts.append('--arch {}'.format(value))
        elif key in FLAGS:
            parts.append('--{} {}'.format(key.replace('_', '-'),
                                          'none' if value is None
                                          else value))
        else:
            parts.append('{}={}'.format(key, value))
    return ' '.join(parts)


def estimate(values, signed=False):
    """``mean +- standard error`` of per-image values (one image: no
    error)."""
    mean, error = mean_and_standard_error(values)
    return ex.estimate_cell(mean, error, digits=2, signed=signed)


def check_same_images(base, base_metrics, folder, metrics):
    """Refuses two estimates on test images drawn otherwise (dynamically
    binarized with another training ``--seed``); where either folder does
    not say, they are taken as the same.

    Raises:
        UsageError: One line naming both seeds and the fix.
    """
    ours = read_test_images(base, base_metrics)
    theirs = read_test_images(folder, metrics)
    if ours is None or theirs is None or ours == theirs:
        return
    if all(ours[k] == theirs[k] for k in ours if k != 'seed'):
        drawn = 'binarized with the training --seed {} and --seed {}'.format(
            ours['seed'], theirs['seed'])
    else:
        drawn = '{} vs {}'.format(
            ', '.join('{} {}'.format(k, v) for k, v in sorted(ours.items())),
            ', '.join('{} {}'.format(k, v)
                      for k, v in sorted(theirs.items())))
    raise ex.UsageError(
        '{} and {} estimated log p(x) on other test images ({}), so their '
        'estimates cannot be paired; compare runs trained with the same '
        '--seed'.format(base, folder, drawn))


def compare(folders):
    """The Markdown table comparing ``folders[1:]`` with ``folders[0]``."""
    runs = [read_run(f) for f in folders]
    base_metrics, base_px, base_method = runs[0]
    for folder, (metrics, log_px, _) in zip(folders[1:], runs[1:]):
        if ex.ais_pairing(metrics) != ex.ais_pairing(base_metrics):
            raise ex.UsageError(
                '{} and {} used different AIS settings ({} vs {}); '
                'evaluate both alike with evaluate_avb.py'.format(
                    folders[0], folder, ex.ais_pairing(base_metrics),
                    ex.ais_pairing(metrics)))
        if len(log_px) != len(base_px):
            raise ex.UsageError('{} has {} AIS images, {} has {}; they '
                                'cannot be paired'.format(
                                    folders[0], len(base_px), folder,
                                    len(log_px)))
        check_same_images(folders[0], base_metrics, folder, metrics)
    rows = []
    for i, (folder, (metrics, log_px, method)) in enumerate(
            zip(folders, runs)):
        rows.append([folder, metrics.get('model', ''), estimate(log_px),
                     'baseline' if i == 0 else estimate(log_px - base_px,
                                                        signed=True),
                     '' if i == 0 else differing_settings(base_method,
                                                          method)])
    ais = ex.ais_pairing(base_metrics)
    return ex.markdown_table(
        ['run', 'model', 'log p(x) (AIS)', 'minus baseline (paired)',
         'settings that differ'], rows) + (
        '\n\nAIS on the first {images} test images, {temperatures} '
        'temperatures, {leapfrog} leapfrog steps, {chains} chains'
        .format(**ais) + (', adaptive step.' if ais['adapt'] else '.')
        + ' +-: standard error over the images.\n')


@ex.script_main
def main(argv=None):
    args = parse_args(argv)
    if args.out is not None:
        ex.check_output_files([os.path.join(args.out, 'comparison.md')])
    text = compare(args.runs)
    if args.out is not None:
        ex.prepare_out(args.out)
        ex.write_text(os.path.join(args.out, 'comparison.md'), text)
    print(text)
    return text


if __name__ == '__main__':
    ex.run_main(main, sys.argv[1:])
