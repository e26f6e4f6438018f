import re

import numpy
import pytest

import chainer
from chainer.iterators import SerialIterator
from chainer.iterators.order_samplers import ShuffleOrderSampler

from vae_avb.datasets import ArrayIterator
from vae_avb.datasets import DynamicBinarized
from vae_avb.datasets import send_array
from vae_avb.utils.random_state import serialize_random_state


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


def state(iterator):
    return (iterator.epoch, iterator.is_new_epoch, iterator.epoch_detail,
            iterator.previous_epoch_detail, iterator.current_position)


def next_or_stop(iterator):
    try:
        return iterator.next()
    except StopIteration:
        return None


def assert_same_batch(batch, expected):
    if expected is None:
        assert batch is None
        return
    if isinstance(batch, list):  # SerialIterator's list of examples
        batch = chainer.dataset.concat_examples(batch)
    if isinstance(expected, list):
        expected = chainer.dataset.concat_examples(expected)
    numpy.testing.assert_array_equal(batch, expected)
    assert batch.dtype == expected.dtype


@pytest.mark.parametrize('n,batch_size', [
    (1, 1), (1, 3), (7, 1), (7, 2), (7, 3), (7, 7), (7, 8), (7, 15),
    (23, 5), (23, 23), (23, 24), (23, 50)])
@pytest.mark.parametrize('repeat', [True, False])
@pytest.mark.parametrize('shuffle', [True, False])
def test_serial_iterator_step_for_step(n, batch_size, repeat, shuffle):
    # Several epochs, batches that straddle epochs (or are larger than
    # one), a single pass that ends: the same examples in the same order,
    # and the same epoch bookkeeping, at every step.
    array = data(n)
    ours = ArrayIterator(array, batch_size, repeat=repeat, shuffle=shuffle,
                         seed=3)
    sampler = ShuffleOrderSampler(numpy.random.RandomState(3)) \
        if shuffle else None
    reference = SerialIterator(array, batch_size, repeat=repeat,
                               shuffle=None if shuffle else False,
                               order_sampler=sampler)
    assert state(ours) == state(reference)
    assert ours.repeat == reference.repeat
    n_batches = 4 * n // batch_size + 3  # past the fourth epoch
    for _ in range(n_batches):
        assert_same_batch(next_or_stop(ours), next_or_stop(reference))
        assert state(ours) == state(reference)
    assert ours.epoch >= (4 if repeat else 1)


def test_reset_starts_over_as_serial_iterator_does():
    array = data()
    ours = ArrayIterator(array, 5, seed=4)
    reference = SerialIterator(
        array, 5, order_sampler=ShuffleOrderSampler(
            numpy.random.RandomState(4)))
    for _ in range(7):
        ours.next()
        reference.next()
    ours.reset()
    reference.reset()  # draws a new order from the same random state
    assert state(ours) == state(reference)
    for _ in range(7):
        assert_same_batch(ours.next(), reference.next())
        assert state(ours) == state(reference)


def test_is_a_chainer_iterator():
    iterator = ArrayIterator(data(6), 4, repeat=False, shuffle=False)
    assert isinstance(iterator, chainer.dataset.Iterator)
    assert [len(b) for b in iterator] == [4, 2]


class SerialArrayIterator(SerialIterator):

    """``ArrayIterator`` as it was before issue 23: a ``SerialIterator``.

    Its ``__init__`` and ``serialize`` are those of that class (batches
    come back as lists of examples): the snapshots it writes are the
    snapshots runs wrote until then.
    """

    def __init__(self, array, batch_size, repeat=True, shuffle=True,
                 seed=None):
        self.random_state = numpy.random.RandomState(seed)
        if shuffle:
            super(SerialArrayIterator, self).__init__(
                array, batch_size, repeat=repeat,
                order_sampler=ShuffleOrderSampler(self.random_state))
        else:
            super(SerialArrayIterator, self).__init__(
                array, batch_size, repeat=repeat, shuffle=False)

    def serialize(self, serializer):
        super(SerialArrayIterator, self).serialize(serializer)
        serialize_random_state(serializer['random_state'], self.random_state)
        if hasattr(self.dataset, 'serialize'):
            self.dataset.serialize(serializer['dataset'])


SNAPSHOT_KEYS = ['current_position', 'epoch', 'is_new_epoch',
                 'previous_epoch_detail', 'random_state/gauss',
                 'random_state/has_gauss', 'random_state/key',
                 'random_state/pos']


@pytest.mark.parametrize('shuffle', [True, False])
@pytest.mark.parametrize('binarized', [False, True])
@pytest.mark.parametrize('steps', [0, 3, 5, 11])
def test_snapshots_are_those_of_the_serial_iterator_version(
        tmp_path, shuffle, binarized, steps):
    # A snapshot written before issue 23 loads and goes on exactly as the
    # old iterator would, and the other way round; the files hold the same
    # keys and values.
    def make(cls, seed):
        images = numpy.random.RandomState(0).uniform(size=(10, 3))
        images = images.astype(numpy.float32)
        dataset = DynamicBinarized(images, seed=seed) if binarized \
            else images
        return cls(dataset, 4, shuffle=shuffle, seed=seed)

    old, new = make(SerialArrayIterator, 5), make(ArrayIterator, 5)
    for _ in range(steps):
        assert_same_batch(new.next(), old.next())
    old_path, new_path = str(tmp_path / 'old.npz'), str(tmp_path / 'new.npz')
    chainer.serializers.save_npz(old_path, old)
    chainer.serializers.save_npz(new_path, new)
    with numpy.load(old_path) as saved_old, numpy.load(new_path) as saved:
        keys = SNAPSHOT_KEYS + (['order'] if shuffle else []) + (
            ['dataset/' + k for k in SNAPSHOT_KEYS if 'random' in k]
            if binarized else [])
        assert sorted(saved.files) == sorted(saved_old.files) == sorted(keys)
        for key in keys:
            assert saved[key].dtype == saved_old[key].dtype, key
            numpy.testing.assert_array_equal(saved[key], saved_old[key],
                                             err_msg=key)

    resumed, resumed_old = make(ArrayIterator, 99), \
        make(SerialArrayIterator, 99)
    chainer.serializers.load_npz(old_path, resumed)
    chainer.serializers.load_npz(new_path, resumed_old)
    assert state(resumed) == state(old)
    assert state(resumed_old) == state(new)
    for _ in range(12):
        expected = old.next()
        assert_same_batch(resumed.next(), expected)
        assert_same_batch(new.next(), expected)
        assert_same_batch(resumed_old.next(), expected)
        assert state(resumed) == state(old) == state(new)


@pytest.mark.parametrize('rename', [{'order': '_order'},
                                    {'previous_epoch_detail': None}])
def test_older_chainer_snapshots_load_as_in_serial_iterator(rename):
    # Chainer's own fallbacks: an order saved as '_order', a snapshot
    # without 'previous_epoch_detail' (guessed from the position).
    def make(cls):
        return cls(data(10), 4, seed=2)

    saved = {}
    old = make(SerialArrayIterator)
    for _ in range(4):
        old.next()
    old.serialize(chainer.serializers.DictionarySerializer(saved))
    for key, new_key in rename.items():
        value = saved.pop(key)
        if new_key is not None:
            saved[new_key] = value
    resumed, resumed_old = make(ArrayIterator), make(SerialArrayIterator)
    for iterator in (resumed, resumed_old):
        iterator.serialize(chainer.serializers.NpzDeserializer(saved))
    assert state(resumed) == state(resumed_old)
    for _ in range(6):
        assert_same_batch(resumed.next(), resumed_old.next())
        assert state(resumed) == state(resumed_old)


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


@pytest.mark.parametrize('name', ['repeat', 'shuffle'])
@pytest.mark.parametrize('value', ['False', 'no', None, 0, 1, 2, 1.5, []])
def test_repeat_and_shuffle_must_be_bools(name, value):
    # repeat='False' looped forever (an Evaluator never ended) and
    # shuffle='False' shuffled.
    with pytest.raises(TypeError, match=r'ArrayIterator: {} must be True or '
                       r'False, got {}$'.format(name, re.escape(repr(value)))
                       ) as info:
        ArrayIterator(data(5), 2, **{name: value})
    assert '\n' not in str(info.value)


def test_numpy_bools_are_bools():
    iterator = ArrayIterator(data(5), 2, repeat=numpy.False_,
                             shuffle=numpy.bool_(False))
    assert iterator.repeat is False
    assert [len(b) for b in iterator] == [2, 2, 1]
    shuffled = ArrayIterator(data(5), 5, shuffle=numpy.True_, seed=0)
    assert shuffled.next()[:, 0].tolist() != data(5)[:, 0].tolist()


@pytest.mark.parametrize('seed', [-1, 1.5, 2 ** 32, 'a', True])
def test_seed_must_be_a_numpy_seed(seed):
    with pytest.raises(ValueError, match=r'ArrayIterator: seed must be an '
                       r'integer from 0 to 4294967295, got .*, or None for '
                       r'a fresh seed') as info:
        ArrayIterator(data(5), 2, seed=seed)
    assert '\n' not in str(info.value)


def test_seeds_in_range_are_taken():
    for seed in (None, 0, 2 ** 32 - 1, numpy.int64(3)):
        ArrayIterator(data(5), 2, seed=seed).next()


class NoLength(object):
    def take_batch(self, indices):
        return indices


class NotCallable(object):
    take_batch = 5

    def __len__(self):
        return 3


def test_take_batch_datasets_need_a_length_and_a_method():
    with pytest.raises(TypeError, match=r"ArrayIterator: the dataset "
                       r"NoLength has take_batch but no usable __len__ "
                       r"\(object of type 'NoLength' has no len\(\)\); give "
                       r"it __len__") as info:
        ArrayIterator(NoLength(), 2)
    assert '\n' not in str(info.value)
    with pytest.raises(TypeError, match=r'ArrayIterator: the take_batch of '
                       r'the dataset NotCallable is not callable \(got int\)'
                       ):
        ArrayIterator(NotCallable(), 2)


def test_refuses_a_0d_array():
    with pytest.raises(TypeError, match=r'ArrayIterator: the dataset must be '
                       r'one array \(N, ...\) .*, got a 0-d ndarray'):
        ArrayIterator(numpy.array(3.), 2)


def state_of(iterator):
    entries = {}
    iterator.serialize(chainer.serializers.DictionarySerializer(entries))
    return {key: numpy.asarray(value) for key, value in entries.items()}


def load_state(iterator, entries):
    iterator.serialize(chainer.serializers.NpzDeserializer(entries))


DATA = numpy.arange(14, dtype=numpy.float32).reshape(7, 2)


@pytest.mark.parametrize('written, read, message', [
    (False, True, 'written by an iterator that does not shuffle; build this '
     'one with shuffle=False'),
    (True, False, 'written by an iterator that shuffles; build this one '
     'with shuffle=True'),
])
def test_a_snapshot_of_the_other_kind_is_refused(written, read, message):
    # A shuffled snapshot read by an iterator in order used to be read
    # without its order: the batches differed from the run's.
    source = ArrayIterator(DATA, 3, shuffle=written, seed=1)
    next(source)
    with pytest.raises(ValueError, match='^ArrayIterator: the snapshot was '
                       + message):
        load_state(ArrayIterator(DATA, 3, shuffle=read), state_of(source))


@pytest.mark.parametrize('key, value, message', [
    ('current_position', 100, "current_position is 100, which an iterator "
     "over 7 examples cannot have"),
    ('current_position', -1, 'current_position is -1'),
    ('epoch', -2, 'epoch is -2'),
    ('order', numpy.zeros(7, int), 'order is not a permutation of the 7'),
    ('order', numpy.zeros(1, int), 'order is not a permutation'),
    ('random_state/pos', 700, 'is not a Mersenne Twister state (the '
     'position 700)'),
    ('random_state/key', numpy.arange(3), 'is not a Mersenne Twister state '
     '(a key of int64 (3,))'),
])
def test_a_crafted_position_or_order_is_refused(key, value, message):
    source = ArrayIterator(DATA, 3, shuffle=True, seed=1)
    next(source)
    entries = state_of(source)
    entries[key] = numpy.asarray(value)
    with pytest.raises(ValueError, match=re.escape(message)):
        load_state(ArrayIterator(DATA, 3, shuffle=True), entries)
