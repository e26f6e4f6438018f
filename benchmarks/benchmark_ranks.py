#!/usr/bin/env python
"""Training speed on one process against several (ChainerMN, mpiexec).

Runs the training scripts themselves, alternating over several rounds:
one process with one BLAS thread, one process with N threads, N
processes of one thread each (``mpiexec -n N ... --communicator
naive``) with the same global batch (the same training), and N processes
with N times the batch (each process the batch of one), and prints one
JSON object:
training samples per second (median, min, max over the rounds) of each
setting, read from the runs' ``metrics.json`` (the trainer's elapsed
time, which includes the test-set evaluation of each epoch), and the
speed-up of N processes over one.

Cases:
  vae         examples/mnist/train_vae.py, 784-500-20 tanh, batch 100.
  avb_mnist   examples/mnist/train_avb.py --method avb, the default MLPs
              of Table 2 (dim z 32), batch 100.
  avb_toy     examples/four_points/train.py --method avb, batch 256.

Usage: python benchmarks/benchmark_ranks.py [--ranks 2] [--rounds 3]
"""
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile

import vae_avb.experiment as ex

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MPIEXEC = os.path.join(os.path.dirname(sys.executable), 'mpiexec')

CASES = {
    'vae': ['examples/mnist/train_vae.py', '--eval-k', '1', '--eval-size',
            '100'],
    'avb_mnist': ['examples/mnist/train_avb.py', '--method', 'avb',
                  '--ais-size', '2', '--ais-temperatures', '2'],
    'avb_toy': ['examples/four_points/train.py', '--method', 'avb',
                '--eval-samples', '100'],
}
# The scripts' default batch sizes.
BATCH = {'vae': 100, 'avb_mnist': 100, 'avb_toy': 256}


def settings(ranks):
    """``(name, processes, threads, batch factor)`` of the settings."""
    return [('1 process, 1 thread', 1, 1, 1),
            ('1 process, {} threads'.format(ranks), 1, ranks, 1),
            ('{} processes, 1 thread each'.format(ranks), ranks, 1, 1),
            ('{} processes, 1 thread each, {} times the batch'.format(
                ranks, ranks), ranks, 1, ranks)]


def length_flags(case, length):
    if case == 'avb_toy':
        return ['--iteration', str(length), '--snapshot-every',
                str(length)]
    return ['--epoch', str(length)]


def run_once(case, length, processes, threads, factor, folder):
    out = os.path.join(folder, 'run')
    shutil.rmtree(out, ignore_errors=True)
    argv = [sys.executable] + CASES[case] + length_flags(case, length) + [
        '--out', out, '--batch-size', str(BATCH[case] * factor)]
    if processes > 1:
        argv = [MPIEXEC, '-n', str(processes)] + argv + [
            '--communicator', 'naive']
    env = dict(os.environ, OMP_NUM_THREADS=str(threads),
               OPENBLAS_NUM_THREADS=str(threads),
               MKL_NUM_THREADS=str(threads), NUMBA_NUM_THREADS=str(threads))
    done = subprocess.run(argv, cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                          stderr=subprocess.PIPE, text=True)
    if done.returncode:
        # The script's own one-line error (a flag it refuses, a full
        # disk), or the last line of what it printed.
        lines = [line for line in done.stderr.splitlines() if line.strip()]
        raise ex.UsageError('{} ({} process(es)) failed with exit status '
                            '{}: {}'.format(CASES[case][0], processes,
                                            done.returncode,
                                            lines[-1] if lines else
                                            'no message'))
    with open(os.path.join(out, 'metrics.json')) as f:
        metrics = json.load(f)
    if 'samples_per_second' in metrics:
        return metrics['samples_per_second']
    if case == 'avb_toy':
        samples = length * metrics['batch_size']
    else:  # MNIST's 60,000 training images per epoch.
        samples = length * 60000
    return samples / metrics['train_seconds']


def main(argv=None):
    parser = ex.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--cases', nargs='+', choices=sorted(CASES),
                        default=sorted(CASES))
    parser.add_argument('--ranks', type=ex.positive_int, default=2,
                        help='processes (and threads) compared with one')
    parser.add_argument('--rounds', type=ex.positive_int, default=3)
    parser.add_argument('--epochs', type=ex.positive_int, default=2,
                        help='epochs of the MNIST cases per run')
    parser.add_argument('--iterations', type=ex.positive_int, default=2000,
                        help='iterations of avb_toy per run')
    args = parser.parse_args(argv)
    # The cores this process may run on (its affinity), 2 at least so
    # that the default runs anywhere.
    usable = len(os.sched_getaffinity(0)) if hasattr(
        os, 'sched_getaffinity') else (os.cpu_count() or 1)
    if args.ranks > max(2, usable):
        # Each setting starts --ranks processes or threads: more than the
        # cores times oversubscription, not ranks (and a huge number
        # starts processes without end).
        parser.error('--ranks {} is more than the {} cores this process '
                     'may use; give at most {}'.format(
                         args.ranks, usable, max(2, usable)))
    if not os.path.exists(MPIEXEC):
        parser.error('no mpiexec beside {}: pip install ".[mpi]"'.format(
            sys.executable))
    report = {'machine': {'cpus': os.cpu_count(),
                          'python': platform.python_version(),
                          'processor': platform.processor() or
                          platform.machine()},
              'ranks': args.ranks, 'rounds': args.rounds, 'cases': {}}
    folder = tempfile.mkdtemp(prefix='benchmark_ranks_')
    try:
        for case in args.cases:
            length = args.iterations if case == 'avb_toy' else args.epochs
            speeds = {name: [] for name, _, _, _ in settings(args.ranks)}
            for _ in range(args.rounds):
                for name, processes, threads, factor in settings(args.ranks):
                    speeds[name].append(run_once(case, length, processes,
                                                 threads, factor, folder))
            summary = {name: {'samples_per_s_median':
                              statistics.median(values),
                              'min': min(values), 'max': max(values)}
                       for name, values in speeds.items()}
            one = summary[settings(args.ranks)[0][0]]['samples_per_s_median']
            for name in summary:
                summary[name]['speed_up'] = \
                    summary[name]['samples_per_s_median'] / one
            report['cases'][case] = {
                'length': '{} {}'.format(length, 'iterations'
                                         if case == 'avb_toy' else 'epochs'),
                'batch_size': BATCH[case],
                'settings': summary}
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    json.dump(report, sys.stdout, indent=1)
    print()


if __name__ == '__main__':
    ex.run_main(main, sys.argv[1:])
