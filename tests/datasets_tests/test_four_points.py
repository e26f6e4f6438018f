import numpy

import chainer

from vae_avb.datasets import FourPointsIterator
from vae_avb.datasets import get_four_points


def test_four_one_hot_points():
    points = get_four_points()
    numpy.testing.assert_array_equal(points, numpy.eye(4))
    assert points.dtype == numpy.float32


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
