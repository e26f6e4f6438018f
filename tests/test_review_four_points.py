"""Hostile review of the four-point scripts, the Chainer example and the
training scripts' outputs (2026-12-07): no output written through a link,
into a FIFO or over a folder, each refused before training; the
four-point reproduction refuses an earlier table, a folder where its
figure goes and an unfinished run of other flags before anything
trains."""
import os
import re

import numpy
import pytest

from tests.test_examples import load_example
from vae_avb import experiment as ex
from vae_avb.experiment import UsageError

FOUR = 'examples/four_points/train.py'
REPRODUCE = 'examples/four_points/reproduce.py'
CHAINER = 'examples/chainer_vae/train_vae.py'
MNIST_VAE = 'examples/mnist/train_vae.py'
AVB = 'examples/mnist/train_avb.py'
SMALL_FOUR = ['--method', 'vae', '--iteration', '10', '--snapshot-every',
              '5', '--eval-samples', '10']


def no_training(*args, **kwargs):
    raise AssertionError('a run was started before the refusal')


def written(out):
    return sorted(name for name in os.listdir(out)
                  if not name.startswith('snapshot_iter_'))


@pytest.mark.parametrize('script, argv, declared', [
    (FOUR, SMALL_FOUR, lambda m: m.OUTPUTS),
    (CHAINER, ['--test', '--epoch', '1'], lambda m: m.OUTPUTS),
    (AVB, ['--test', '--epoch', '1', '--ais-size', '2',
           '--ais-temperatures', '2'], lambda m: m.OUTPUTS),
    (MNIST_VAE, ['--test', '--epoch', '1', '--dim-z', '2'], lambda m: [
        'log', 'loss.png', 'model.npz', 'model.json', 'metrics.json'] +
        __import__('vae_avb.visualization').visualization.vae_figure_names(
            2)),
])
def test_every_file_a_run_writes_is_checked_before_training(
        tmp_path, script, argv, declared):
    module = load_example(script)
    out = str(tmp_path / 'run')
    module.main(argv + ['--out', out])
    names = set(declared(module))
    assert set(written(out)) <= names, set(written(out)) - names


@pytest.mark.parametrize('script, argv, name', [
    (CHAINER, ['--test', '--epoch', '1'], 'cg.dot'),
    (CHAINER, ['--test', '--epoch', '1'], 'loss.png'),
    (FOUR, SMALL_FOUR, 'latent.png'),
    (AVB, ['--test', '--epoch', '1'], 'samples.png'),
    (MNIST_VAE, ['--test', '--epoch', '1', '--dim-z', '2'], 'latent.png'),
])
@pytest.mark.parametrize('kind', ['link', 'FIFO', 'folder'])
def test_a_link_fifo_or_folder_where_a_run_writes_is_refused_first(
        tmp_path, script, argv, name, kind):
    # Chainer's DumpGraph and PlotReport wrote through a link to a file
    # outside --out, a FIFO hung the run, a folder stopped it after its
    # training.
    victim = tmp_path / 'victim.txt'
    victim.write_text('precious')
    out = tmp_path / 'run'
    out.mkdir()
    path = out / name
    if kind == 'link':
        path.symlink_to(victim)
    elif kind == 'FIFO':
        os.mkfifo(str(path))
    else:
        path.mkdir()
    with pytest.raises(UsageError, match=r'^--out .* holds a {} named {}, '
                       r'where this script writes a file; move it out of '
                       r'the way$'.format(kind, re.escape(name))):
        load_example(script).main(argv + ['--out', str(out)])
    assert victim.read_text() == 'precious'
    assert written(str(out)) == [name]
    assert not [n for n in os.listdir(str(out))
                if n.startswith('snapshot_iter_')]


def four_points_folder(out, seed=0, z_width=2, labels=None):
    """Finished runs of both methods, as train.py leaves them (without
    training)."""
    for method in ('avb', 'vae'):
        folder = os.path.join(out, '{}_seed{}'.format(method, seed))
        os.makedirs(folder)
        ex.write_json(os.path.join(folder, 'metrics.json'), {
            'log_likelihood': -1.5, 'reconstruction_error': 1.0,
            'elbo': -2.0, 'kl': 1.0, 'kl_aggregate': 0.5, 'method': method,
            'iterations': 50, 'train_seconds': 1.0, 'batch_size': 256,
            'seed': seed})
        numpy.savez(os.path.join(folder, 'latent.npz'),
                    z=numpy.zeros((8, z_width), numpy.float32),
                    labels=numpy.repeat(numpy.arange(4), 2)
                    if labels is None else labels)


@pytest.mark.parametrize('labels', [
    numpy.repeat(numpy.arange(4.), 2), numpy.full(8, 10 ** 9),
    numpy.full(8, -1), numpy.ones(8, bool)])
def test_reproduce_refuses_labels_that_are_not_the_four_points(tmp_path,
                                                               labels):
    # Float labels, 10**9 or a bool array were drawn as classes.
    out = str(tmp_path)
    four_points_folder(out, labels=labels)
    with pytest.raises(UsageError, match=r'vae_seed0/latent.npz holds '
                       r'float32 codes and \w+ labels from .* \(float codes '
                       r'and the points 0 to 3 as integers are expected\)'):
        load_example(REPRODUCE).main(['--test', '--seeds', '0', '--resume',
                                      '--out', out])


@pytest.mark.parametrize('name', ['table1.md', 'results.json',
                                  'figure6.png'])
def test_reproduce_without_resume_refuses_an_earlier_table(
        tmp_path, monkeypatch, name):
    # The seed 0 table was replaced by seed 1's without a word.
    out = tmp_path / 'out'
    out.mkdir()
    (out / name).write_text('seed 0')
    module = load_example(REPRODUCE)
    monkeypatch.setattr(module.ex, 'run_jobs', no_training)
    with pytest.raises(UsageError, match=r'already holds {}, written by an '
                       r'earlier run'.format(re.escape(name))):
        module.main(['--test', '--seeds', '1', '--out', str(out)])
    assert (out / name).read_text() == 'seed 0'


def test_reproduce_refuses_a_folder_where_its_figure_goes_first(
        tmp_path, monkeypatch):
    out = tmp_path / 'out'
    (out / 'figure6.png').mkdir(parents=True)
    module = load_example(REPRODUCE)
    monkeypatch.setattr(module.ex, 'run_jobs', no_training)
    with pytest.raises(UsageError, match=r'figure6.png is a folder'):
        module.main(['--test', '--seeds', '0', '--out', str(out)])


def test_reproduce_refuses_latent_codes_that_are_not_2d(tmp_path):
    out = str(tmp_path)
    four_points_folder(out, z_width=3)
    with pytest.raises(UsageError, match=r'vae_seed0/latent.npz holds 8 '
                       r'samples of 3 values and 8 labels \(2-D codes'):
        load_example(REPRODUCE).main(['--test', '--seeds', '0', '--resume',
                                      '--out', out])


def test_reproduce_refuses_an_unfinished_run_of_other_flags_first(
        tmp_path, monkeypatch):
    # Started without --test (10 iterations), killed before its metrics:
    # its resume refused the flags only when its turn came, after the
    # other runs had trained.
    out = str(tmp_path)
    folder = os.path.join(out, 'vae_seed1')
    load_example(FOUR).main(SMALL_FOUR + ['--seed', '1', '--out', folder])
    os.remove(os.path.join(folder, 'metrics.json'))
    module = load_example(REPRODUCE)
    monkeypatch.setattr(module.ex, 'run_jobs', no_training)
    with pytest.raises(UsageError, match=r'vae_seed1 in --out .* was '
                       r'started with .*--iteration 10.* \(its newest '
                       r'snapshot\), this run asks for .*--iteration 50'):
        module.main(['--test', '--seeds', '1', '--resume', '--out', out])


def test_spread_of_finite_values_whose_mean_overflows_has_no_cell():
    with pytest.raises(ValueError, match=r'a diverged result has no cell'):
        ex.spread([1e308, 1e308], '{:.0f}')


def test_test_keeps_an_eval_samples_given(tmp_path):
    # --test replaced any --eval-samples with 500 without a word.
    out = str(tmp_path / 'run')
    load_example(FOUR).main(['--test', '--method', 'vae', '--iteration',
                             '5', '--eval-samples', '20', '--out', out])
    with numpy.load(os.path.join(out, 'latent.npz')) as f:
        assert f['z'].shape == (80, 2)


def test_reproduce_says_which_runs_were_kept(tmp_path):
    # "Wall time ... for 2 runs" when both had been kept, not trained.
    out = str(tmp_path)
    four_points_folder(out)
    load_example(REPRODUCE).main(['--test', '--seeds', '0', '--resume',
                                  '--out', out])
    with open(os.path.join(out, 'table1.md')) as f:
        assert 'for 0 runs trained, 2 at a time (2 kept from earlier)' in \
            f.read()


def test_the_flags_of_a_snapshot_with_large_weights_are_read(tmp_path):
    # The bound on the flags' entry applied to every entry: a snapshot
    # holding a 4 MiB weight (every Table 2 AVB run's) read as "no flags",
    # so an unfinished run of other flags went unchecked.
    import argparse
    import json
    from vae_avb.experiment.reproduction import RUN_FLAGS_ENTRY
    from vae_avb.experiment.reproduction import snapshot_flags
    from vae_avb.experiment.reproduction import started_flags_differ
    numpy.savez(str(tmp_path / 'snapshot_iter_600.npz'), **{
        RUN_FLAGS_ENTRY: numpy.array(json.dumps({'lr': 0.001, 'dim_z': 8})),
        'updater/model:main/adversary/l1/W': numpy.zeros((1024, 1024),
                                                         numpy.float32)})
    assert snapshot_flags(str(tmp_path)) == {'lr': 0.001, 'dim_z': 8}
    assert started_flags_differ(
        ['python', 'train_avb.py'], str(tmp_path),
        lambda flags: argparse.Namespace(lr=0.01, dim_z=8)) == (
        '--lr 0.001', '--lr 0.01')
