"""Evaluates a finished ``train_avb.py`` run again, with other AIS settings.

Reads the run's ``method.json`` (or, for runs made before it existed,
``args.json``), ``model.npz`` and (AVB) ``adversary.npz``, all without
unpickling, and on the first ``--ais-size`` test images computes the
ELBO (for AVB the adversary's estimate) and the AIS estimate of log p(x)
with the given temperatures, leapfrog steps and chains: the check that an
AIS number has converged (more temperatures must not raise it much), and
the way to evaluate a CPU-trained model with the authors' settings on a
GPU.

    python examples/mnist/evaluate_avb.py results/mnist_avb \\
        --ais-size 100 --ais-temperatures 4000

Writes ``<out>/evaluation.json`` and ``<out>/ais_log_px.npy``, by default
in ``<run>/eval_<images>x<temperatures>``; the run's own files are only
read. An ``--out`` that already holds an evaluation is refused.
"""
import os
import sys

from vae_avb import experiment as ex
from vae_avb.evaluation import mean_report
from vae_avb.experiment.metrics import test_images
from vae_avb.utils.check import MAX_COUNT


def parse_args(argv):
    parser = ex.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('run', help='the --out folder of a finished '
                        'train_avb.py run')
    ex.add_device_argument(parser)
    ex.add_ais_arguments(parser, default_size=100)
    parser.add_argument('--seed', type=ex.seed, default=0,
                        help='seed of the ELBO and AIS draws')
    parser.add_argument('--out', '-o', default=None,
                        help='default: <run>/eval_<images>x<temperatures>')
    args = parser.parse_args(argv)
    # The run's sizes against the data and the memory, before any build.
    config = ex.read_method(args.run).config
    if config.networks.n_in != 784:
        parser.error('{} was built for {} values per image, not MNIST\'s '
                     '784; pass the --out folder of a train_avb.py run on '
                     'MNIST'.format(args.run, config.networks.n_in))
    ex.check_method_memory(parser, config, 100,
                           args.ais_batch_size * args.ais_chains)
    args.device = ex.resolve_device(parser, args.device)
    if args.out is None:
        args.out = os.path.join(args.run, 'eval_{}x{}'.format(
            args.ais_size, args.ais_temperatures))
    return args


@ex.script_main
def main(argv=None):
    args = parse_args(argv)
    method, model = ex.load_run(args.run, args.device)
    run_args = ex.check_entries(
        os.path.join(args.run, 'args.json'), ex.read_run_args(args.run), {
            'seed': (ex.is_int(0, 2 ** 32 - 1), 'an integer seed'),
            'batch_size': (ex.is_int(1, MAX_COUNT),
                           'an integer from 1 to {}'.format(MAX_COUNT)),
            'test': (lambda v: isinstance(v, bool), 'true or false')},
        'pass the --out folder of a finished train_avb.py run')
    # ais_log_px.npy beside an AIS progress file is this evaluation's,
    # killed before its evaluation.json: the same command finishes it.
    ours = os.path.isfile(os.path.join(args.out, ex.AIS_PROGRESS))
    for name in ('evaluation.json', 'metrics.json', 'ais_log_px.npy',
                 'model.npz'):
        if os.path.lexists(os.path.join(args.out, name)) and not (
                ours and name == 'ais_log_px.npy'):
            raise ex.UsageError('--out {} already holds {}, which this '
                                'evaluation would overwrite; choose another '
                                '--out'.format(args.out, name))
    # A training run's folder, finished or not: its resume would write
    # its own estimates over this evaluation's.
    snapshot = ex.newest_snapshot(args.out)
    training = [name for name in ('method.json', 'args.json')
                if os.path.lexists(os.path.join(args.out, name))] + (
        [os.path.basename(snapshot)] if snapshot else [])
    if training:
        raise ex.UsageError('--out {} is a training run\'s folder (it holds '
                            '{}); choose another --out'.format(
                                args.out, training[0]))
    ex.check_output_files([os.path.join(args.out, name) for name in (
        'evaluation.json', 'ais_log_px.npy')])
    _, test, _ = ex.load_data('dynamic', run_args.get('seed', 0), None,
                              run_args.get('test', False))
    if args.ais_size > len(test):
        raise ex.UsageError('--ais-size {} is more than the {} test images; '
                            'give at most {}'.format(args.ais_size, len(test),
                                                     len(test)))
    if method.config.method == 'avb_ac' and args.ais_size < 2:
        raise ex.UsageError('an adaptive-contrast model estimates its noise '
                            'moments over a batch: give --ais-size of at '
                            'least 2')
    ex.prepare_out(args.out)
    ex.seed_and_use(args.device, args.seed)
    x = test[:args.ais_size]
    summary = mean_report(model.loss, x, run_args.get('batch_size', 100))
    # Killed, the same command goes on where it was (ais_progress.npz).
    # A progress file of other flags in --out is refused, not replaced.
    log_px, ais_metrics = ex.run_ais(args, method, model,
                                     args.device.send(x), out=args.out,
                                     replace=False)
    evaluation = {
        'model': method.title,
        'run': os.path.abspath(args.run),
        'elbo': -summary['reconstruction'] - summary['kl'],
        'elbo_is_estimate': method.elbo_is_estimate,
        **ais_metrics,
        'seed': args.seed,
        'device': str(args.device),
        # What decides the images (--seed is the draws'): compare_runs.py
        # pairs only estimates on the same ones.
        'test_images': test_images(run_args.get('seed', 0)),
    }
    ex.write_array(os.path.join(args.out, 'ais_log_px.npy'), log_px)
    ex.write_metrics(evaluation, args.out, 'evaluation.json')
    return evaluation


if __name__ == '__main__':
    ex.run_main(main, sys.argv[1:])
