import numpy
import pytest

import chainer

from vae_avb.datasets import FourPointsIterator
from vae_avb.datasets import get_four_points


def test_four_one_hot_points():
    points = get_four_points()
    numpy.testing.assert_array_equal(points, numpy.eye(4))
    assert points.dtype == numpy.float32
    assert get_four_points('float64').dtype == numpy.float64


@pytest.mark.parametrize('dtype', [numpy.int32, bool, 'uint8', 'nonsense'])
def test_four_points_refuse_non_float_dtypes(dtype):
    with pytest.raises(TypeError, match=r'^get_four_points: dtype .*float'):
        get_four_points(dtype)


def test_iterator_draws_fresh_uniform_batches():
    iterator = FourPointsIterator(1000, seed=0)
    first = numpy.stack(next(iterator))
    second = numpy.stack(next(iterator))
    assert first.shape == (1000, 4)
    assert not numpy.array_equal(first, second)
    assert (first.sum(axis=1) == 1).all()
    counts = first.sum(axis=0)
    assert (abs(counts - 250) < 60).all()


def test_iterator_epochs():
    iterator = FourPointsIterator(100, seed=0, epoch_size=250)
    next(iterator)
    next(iterator)
    assert not iterator.is_new_epoch and iterator.epoch == 0
    next(iterator)
    assert iterator.is_new_epoch and iterator.epoch == 1
    assert iterator.epoch_detail == 300 / 250


def test_iterator_resumes_exactly(tmp_path):
    iterator = FourPointsIterator(8, seed=5, with_index=True)
    for _ in range(3):
        next(iterator)
    chainer.serializers.save_npz(str(tmp_path / 'it.npz'), iterator)
    expected = [[i for _, i in next(iterator)] for _ in range(3)]
    resumed = FourPointsIterator(8, seed=123, with_index=True)
    chainer.serializers.load_npz(str(tmp_path / 'it.npz'), resumed)
    assert resumed.iteration == 3
    for indices in expected:
        numpy.testing.assert_array_equal(
            [i for _, i in next(resumed)], indices)


def assert_refused(error, match, **kwargs):
    kwargs.setdefault('batch_size', 2)
    with pytest.raises(error, match=match) as info:
        FourPointsIterator(**kwargs)
    assert '\n' not in str(info.value)


@pytest.mark.parametrize('batch_size', [
    0, -1, 1.5, True, None, '2', numpy.nan, numpy.inf, 10 ** 12, 2 ** 20 + 1])
def test_batch_size_is_a_count_checked_at_construction(batch_size):
    # Floats, bools and NaN constructed and failed in randint; 10**12 ran
    # out of memory at the first batch.
    assert_refused(ValueError, r'FourPointsIterator: batch_size must be an '
                   r'integer from 1 to 1048576, got ', batch_size=batch_size)


@pytest.mark.parametrize('epoch_size', [
    0, -5, 1.5, True, None, 'a', numpy.nan, numpy.inf, 2 ** 31])
def test_epoch_size_is_a_count_checked_at_construction(epoch_size):
    # 0 divided by zero at next(); -5 and NaN gave epoch -1 and NaN.
    assert_refused(ValueError, r'FourPointsIterator: epoch_size must be an '
                   r'integer from 1 to 2147483647, got ',
                   epoch_size=epoch_size)


def test_whole_numbers_are_counts():
    iterator = FourPointsIterator(2.0, seed=0, epoch_size=numpy.int64(4))
    assert iterator.batch_size == 2 and type(iterator.batch_size) is int
    assert len(next(iterator)) == 2
    next(iterator)
    assert iterator.epoch == 1 and iterator.is_new_epoch
    assert len(next(FourPointsIterator(2 ** 20, seed=0, as_array=True))) == \
        2 ** 20


@pytest.mark.parametrize('seed', [-1, 1.5, 2 ** 32, 'a'])
def test_seed_must_be_a_numpy_seed(seed):
    assert_refused(ValueError, r'FourPointsIterator: seed must be an integer '
                   r'from 0 to 4294967295, got .*, or None for a fresh seed',
                   seed=seed)


@pytest.mark.parametrize('name', ['with_index', 'as_array'])
def test_flags_must_be_bools(name):
    assert_refused(TypeError, r"FourPointsIterator: {} must be True or "
                   r"False, got 'no'".format(name), **{name: 'no'})


def test_with_index_and_as_array_exclude_each_other():
    # as_array used to be dropped silently.
    assert_refused(ValueError, 'with_index and as_array exclude each other',
                   with_index=True, as_array=True)


@pytest.mark.parametrize('key, value, message', [
    ('rng_pos', 700, 'the position 700'),
    ('rng_key', numpy.zeros(10, numpy.uint32), r'a key of uint32 \(10,\)'),
    ('rng_key', numpy.full(624, -1), r'a key of int64 \(624,\)'),
    ('rng_gauss', numpy.nan, 'a cached Gaussian'),
    ('rng_has_gauss', 5, 'a cached Gaussian 5'),
])
def test_a_crafted_random_state_is_refused_in_one_line(key, value, message,
                                                       tmp_path):
    path = str(tmp_path / 'it.npz')
    chainer.serializers.save_npz(path, FourPointsIterator(8, seed=5))
    with numpy.load(path) as f:
        entries = {k: f[k] for k in f.files}
    entries[key] = numpy.asarray(value)
    numpy.savez(path, **entries)
    with pytest.raises(ValueError, match='^the random state read back is not '
                       'a Mersenne Twister state .*' + message) as info:
        chainer.serializers.load_npz(path, FourPointsIterator(8, seed=1))
    assert '\n' not in str(info.value)
