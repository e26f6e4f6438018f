import numpy
import pytest

import chainer
from chainer.iterators import SerialIterator
from chainer.iterators.order_samplers import ShuffleOrderSampler

from vae_avb.datasets import ArrayIterator
from vae_avb.datasets import DynamicBinarized
from vae_avb.datasets import send_array


def data(n=23, d=3):
    return numpy.arange(n * d, dtype=numpy.float32).reshape(n, d)


@pytest.mark.parametrize('shuffle', [False, True])
def test_same_batches_and_epochs_as_serial_iterator(shuffle):
    array = data()
    ours = ArrayIterator(array, 5, shuffle=shuffle, seed=7)
    sampler = ShuffleOrderSampler(numpy.random.RandomState(7)) \
        if shuffle else None
    reference = SerialIterator(array, 5, shuffle=None if shuffle else False,
                               order_sampler=sampler)
    for _ in range(12):  # a little over two epochs
        batch = ours.next()
        expected = chainer.dataset.concat_examples(reference.next())
        numpy.testing.assert_array_equal(batch, expected)
        assert ours.epoch == reference.epoch
        assert ours.is_new_epoch == reference.is_new_epoch
        assert ours.epoch_detail == reference.epoch_detail


def test_single_pass_ends_with_a_partial_batch():
    batches = list(ArrayIterator(data(7), 3, repeat=False, shuffle=False))
    assert [len(b) for b in batches] == [3, 3, 1]
    numpy.testing.assert_array_equal(numpy.concatenate(batches), data(7))


def test_resume_continues_the_same_sequence(tmp_path):
    array = data()
    iterator = ArrayIterator(array, 4, seed=1)
    for _ in range(8):
        iterator.next()
    path = str(tmp_path / 'it.npz')
    chainer.serializers.save_npz(path, iterator)
    expected = [iterator.next() for _ in range(10)]
    resumed = ArrayIterator(array, 4, seed=999)
    chainer.serializers.load_npz(path, resumed)
    for batch in expected:
        numpy.testing.assert_array_equal(resumed.next(), batch)


def test_dynamic_binarization_batches_match_examples_and_resume(tmp_path):
    images = numpy.random.uniform(size=(10, 6)).astype(numpy.float32)
    indices = numpy.array([3, 1, 7])
    batch = DynamicBinarized(images, seed=2).take_batch(indices)
    reference = DynamicBinarized(images, seed=2)
    numpy.testing.assert_array_equal(
        batch, numpy.stack([reference.get_example(i) for i in indices]))

    iterator = ArrayIterator(DynamicBinarized(images, seed=4), 3, seed=5)
    iterator.next()
    path = str(tmp_path / 'it.npz')
    chainer.serializers.save_npz(path, iterator)
    expected = [iterator.next() for _ in range(6)]
    resumed = ArrayIterator(DynamicBinarized(images, seed=0), 3, seed=0)
    chainer.serializers.load_npz(path, resumed)
    for batch in expected:
        numpy.testing.assert_array_equal(resumed.next(), batch)


def test_refuses_a_list_of_examples():
    with pytest.raises(TypeError, match='use SerialIterator'):
        ArrayIterator([numpy.zeros(3)] * 4, 2)


def test_send_array_keeps_the_batch():
    batch = data(4)
    assert send_array(batch, chainer.get_device('@numpy')) is batch
