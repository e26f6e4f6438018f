"""A hostile review of training, methods and the benchmark: arguments and
crafted snapshots refused in one line, refused loads leave models as they
were."""
import math
import os
import sys

import numpy
import pytest

import chainer

from vae_avb.datasets import ArrayIterator
from vae_avb.methods import make_method
from vae_avb.methods import MethodConfig
from vae_avb.methods import MLPNetworks
from vae_avb.optimizers import Adam
from vae_avb.training import CorruptSnapshotError
from vae_avb.training import FiniteGuard
from vae_avb.training import load_latest_snapshot
from vae_avb.training import load_snapshot
from vae_avb.training import Snapshots
from vae_avb.training import StepSizeDecay
from vae_avb.training.multi_node import RankCount
from vae_avb.training.multi_node import ShardIterator

from tests.training_tests.test_snapshots import trainer_for

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def one_line(error):
    return '\n' not in str(error.value)


# Crafted counts and Adam moments in a snapshot ----------------------------

def _negative_rule_t(entries):
    return {key: numpy.asarray(-3) for key in entries
            if key.startswith('updater/optimizer:main/') and
            key.endswith('/t') and key != 'updater/optimizer:main/t'}


def _negative_v(entries):
    key = sorted(k for k in entries if k.startswith('updater/optimizer:')
                 and k.endswith('/v'))[0]
    return {key: -numpy.abs(entries[key]) - 1}


CRAFTS = {
    'iteration': lambda e: {'updater/iteration': numpy.asarray(-5)},
    'optimizer t': lambda e: {'updater/optimizer:main/t': numpy.asarray(-1)},
    'optimizer epoch': lambda e: {
        'updater/optimizer:main/epoch': numpy.asarray(-3)},
    'update rule t': _negative_rule_t,
    'adam v': _negative_v,
    # A count written as a float, and an iteration other than the file's
    # name says (a huge one ended the run at once; a fractional one
    # stopped the search as "does not match this model").
    'fractional iteration': lambda e: {
        'updater/iteration': numpy.asarray(3.5)},
    'iteration as a float': lambda e: {
        'updater/iteration': numpy.asarray(8.0)},
    'huge iteration': lambda e: {
        'updater/iteration': numpy.asarray(2 ** 62)},
    'iteration of another snapshot': lambda e: {
        'updater/iteration': numpy.asarray(7)},
    'iteration as an array': lambda e: {
        'updater/iteration': numpy.asarray([8])},
    'fractional optimizer epoch': lambda e: {
        'updater/optimizer:main/epoch': numpy.asarray(2.5)},
}


def _state(trainer):
    optimizer = trainer.updater.get_optimizer('main')
    params = {name: param.array.copy()
              for name, param in optimizer.target.namedparams()}
    return trainer.updater.iteration, optimizer.t, params


@pytest.mark.parametrize('craft', sorted(CRAFTS))
def test_crafted_counts_and_moments_are_corrupt(tmp_path, craft, capsys):
    # Before: a negative iteration was loaded (the run "ended" at -5), a
    # negative step count stopped training later with a deep traceback
    # from Adam's bias correction, a negative second moment made the
    # weights NaN. Now: corrupt, in one line, the older snapshot used.
    trainer_for(tmp_path, stop=8, keep=10).run()
    newest = str(tmp_path / 'snapshot_iter_8.npz')
    with numpy.load(newest, allow_pickle=False) as f:
        entries = {key: f[key] for key in f.files}
    entries.update(CRAFTS[craft](entries))
    numpy.savez(newest, **entries)

    fresh = trainer_for(tmp_path / 'other', stop=8)
    iteration, t, params = _state(fresh)
    with pytest.raises(CorruptSnapshotError) as error:
        load_snapshot(newest, fresh)
    assert one_line(error)
    assert 'is corrupt' in str(error.value)
    after = _state(fresh)
    assert after[:2] == (iteration, t)
    for name in params:
        numpy.testing.assert_array_equal(params[name], after[2][name], name)

    assert load_latest_snapshot(str(tmp_path), fresh) == \
        str(tmp_path / 'snapshot_iter_4.npz')
    assert 'skipped' in capsys.readouterr().err
    assert fresh.updater.iteration == 4


# Method.load: all or nothing ----------------------------------------------

SMALL = MLPNetworks(784, 16, 1, 'relu', None, 12, 2, 'relu')


def test_method_load_with_a_bad_adversary_leaves_the_model_as_it_was(
        tmp_path):
    # Before: model.npz was loaded into the encoder and decoder, then
    # adversary.npz refused, leaving the model half loaded.
    numpy.random.seed(0)
    method = make_method(MethodConfig(method='avb', dim_z=4, networks=SMALL))
    method.save(method.build(), str(tmp_path))
    with open(str(tmp_path / 'adversary.npz'), 'wb') as f:
        f.write(b'PK\x03\x04not an archive')
    other = method.build()
    before = {name: param.array.copy()
              for name, param in other.loss.namedparams()}
    with pytest.raises(CorruptSnapshotError) as error:
        method.load(other, str(tmp_path))
    assert one_line(error)
    for name, param in other.loss.namedparams():
        numpy.testing.assert_array_equal(before[name], param.array, name)


# Arguments -----------------------------------------------------------------

@pytest.mark.parametrize('interval,stop,keep', [
    ((True, 'iteration'), None, 3),
    ((math.nan, 'iteration'), None, 3),
    ((math.inf, 'epoch'), None, 3),
    (5, None, 3),
    (None, None, 3),
    ((1, 'iteration'), (True, 'epoch'), 3),
    ((1, 'iteration'), None, True),
    ((1, 'iteration'), None, math.nan),
    ((1, 'iteration'), None, math.inf),
    ((1, 'iteration'), None, None),
])
def test_snapshots_refuses_bad_arguments_in_one_line(interval, stop, keep):
    with pytest.raises(ValueError, match=r'^Snapshots: ') as error:
        Snapshots(interval, stop, keep)
    assert one_line(error)


def test_snapshots_takes_numpy_counts_and_lists():
    snapshots = Snapshots([numpy.int64(2), 'iteration'], (3, 'epoch'),
                          numpy.int32(4))
    assert snapshots.interval == (2, 'iteration')
    assert snapshots.keep == 4 and type(snapshots.keep) is int
    # --snapshot-every has no upper bound: a huge interval means never.
    assert Snapshots((3000000000, 'iteration')).interval == (
        3000000000, 'iteration')


@pytest.mark.parametrize('rank,size', [(True, 2), (0, math.nan),
                                       (0, math.inf), (0, None),
                                       (False, 1)])
def test_shard_iterator_refuses_bools_and_non_numbers(rank, size):
    with pytest.raises(ValueError, match=r'^ShardIterator: ') as error:
        ShardIterator(ArrayIterator(numpy.zeros((4, 1)), 2), rank, size)
    assert one_line(error)


@pytest.mark.parametrize('size', [True, math.nan, 0, 2.5, None])
def test_rank_count_refuses_what_is_no_number_of_ranks(size):
    with pytest.raises(ValueError, match=r'^RankCount: ') as error:
        RankCount(size)
    assert one_line(error)


def test_finite_guard_refuses_empty_keys():
    # Before: FiniteGuard(keys=[]) watched nothing, silently.
    with pytest.raises(ValueError, match='keys is empty') as error:
        FiniteGuard(keys=[])
    assert one_line(error)


def test_step_size_decay_refuses_empty_and_non_adam_optimizers():
    with pytest.raises(ValueError, match='optimizers is empty'):
        StepSizeDecay([], 0, 10, 0.1)
    sgd = chainer.optimizers.SGD()
    sgd.setup(chainer.links.Linear(2, 2))
    # Before: AttributeError: 'SGD' object has no attribute 'alpha'.
    with pytest.raises(TypeError, match='SGD has not') as error:
        StepSizeDecay([sgd], 0, 10, 0.1)
    assert one_line(error)
    adam = Adam()
    adam.setup(chainer.links.Linear(2, 2))
    assert StepSizeDecay([adam], 0, 10, 0.1).base


# The benchmark's flags ----------------------------------------------------

@pytest.mark.parametrize('value', ['foo', 'vae:nope', ':', 'nope:baseline'])
def test_benchmark_refuses_a_bad_child_flag(value, capsys):
    # Before: 'foo' ended in a ValueError traceback, 'vae:nope' measured
    # the vae_avb path under another name.
    sys.path.insert(0, os.path.join(ROOT, 'benchmarks'))
    import benchmark
    with pytest.raises(SystemExit) as exit:
        benchmark.main(['--child', value])
    assert exit.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()[-1]
    assert err.endswith('error: argument --child: must be CASE:PATH with '
                        'CASE one of {} and PATH one of baseline, vae_avb, '
                        'got {!r}'.format(', '.join(sorted(benchmark.CASES)),
                                          value))
    assert 'conv_avb_ac' in benchmark.CASES


# FiniteGuard on reported arrays -------------------------------------------

def test_finite_arrays_whose_sum_overflows_are_finite():
    # Before: an array counted by its sum, so large finite values (or
    # many float16 ones) were reported as inf and stopped training.
    from vae_avb.training.finite_guard import first_nonfinite
    assert first_nonfinite({'main/h': numpy.full(
        2000, 60., numpy.float16)}) is None
    assert first_nonfinite({'main/z': numpy.array(
        [3e38, 3e38], numpy.float32)}) is None
    assert first_nonfinite({'main/z': chainer.Variable(numpy.array(
        [3e38, 3e38], numpy.float32))}) is None
    key, value = first_nonfinite({'a': numpy.array([1., numpy.nan]),
                                  'b': numpy.array([numpy.inf])})
    assert key == 'a' and math.isnan(value)
    assert first_nonfinite({'b': numpy.array([[2., -numpy.inf]])}) == \
        ('b', -math.inf)
    assert first_nonfinite({'c': numpy.float32(numpy.inf)}) == \
        ('c', math.inf)
    assert first_nonfinite({'d': 1.5, 'e': numpy.array(2.)}) is None
