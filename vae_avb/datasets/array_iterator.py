import numpy

import chainer
from chainer.iterators import SerialIterator
from chainer.iterators.order_samplers import ShuffleOrderSampler

from vae_avb.utils.random_state import serialize_random_state


class ArrayIterator(SerialIterator):

    """:class:`~chainer.iterators.SerialIterator` that returns array slices.

    A dataset held as one array ``(N, D)`` (NumPy, or CuPy to keep the data
    on the GPU) is cut into batches with one indexing operation, instead of
    a list of ``B`` examples that :func:`~chainer.dataset.concat_examples`
    then stacks row by row. Epochs, shuffling, the order of examples and
    snapshots are Chainer's own (the same state machine), so the batches
    are the same examples in the same order as ``SerialIterator`` with the
    same shuffling. Pair it with :func:`send_array` as the updater's and
    the evaluator's converter.

    The shuffling draws from its own ``numpy.random.RandomState(seed)``,
    whose state is saved in snapshots, so a resumed run visits the
    examples in the order an uninterrupted run would.

    Args:
        array: The dataset, an array of shape ``(N, ...)``, or an object
            with ``__len__`` and ``take_batch(indices)`` returning such an
            array (:class:`~vae_avb.datasets.DynamicBinarized`); its
            ``serialize``, if any, is called with the iterator's.
        batch_size (int): Examples per batch.
        repeat (bool): Loop over the data endlessly.
        shuffle (bool): Shuffle the order at every epoch.
        seed (int or None): Seed of the shuffling.
    """

    def __init__(self, array, batch_size, repeat=True, shuffle=True,
                 seed=None):
        self._take = getattr(array, 'take_batch', None)
        if self._take is None and \
                not isinstance(array, chainer.get_array_types()):
            raise TypeError(
                'ArrayIterator: the dataset must be one array (N, ...) or '
                'have a take_batch(indices) method, got {}; use '
                'SerialIterator for a list of examples'.format(
                    type(array).__name__))
        if int(batch_size) != batch_size or batch_size < 1:
            raise ValueError(
                'ArrayIterator: batch_size must be a positive integer, got '
                '{!r}'.format(batch_size))
        self.random_state = numpy.random.RandomState(seed)
        if shuffle:
            super(ArrayIterator, self).__init__(
                array, int(batch_size), repeat=repeat,
                order_sampler=ShuffleOrderSampler(self.random_state))
        else:
            super(ArrayIterator, self).__init__(
                array, int(batch_size), repeat=repeat, shuffle=False)

    def __next__(self):
        self._previous_epoch_detail = self.epoch_detail
        state, indices = chainer.iterators._statemachine.\
            iterator_statemachine(self._state, self.batch_size, self.repeat,
                                  self.order_sampler, len(self.dataset))
        self._state = state
        if indices is None:
            raise StopIteration
        if self._take is not None:
            return self._take(indices)
        if self.order_sampler is None and len(indices) and \
                indices[-1] - indices[0] == len(indices) - 1:
            # In order and contiguous: a view, no copy.
            return self.dataset[indices[0]:indices[-1] + 1]
        return self.dataset[indices]

    next = __next__

    def serialize(self, serializer):
        super(ArrayIterator, self).serialize(serializer)
        serialize_random_state(serializer['random_state'], self.random_state)
        if hasattr(self.dataset, 'serialize'):
            self.dataset.serialize(serializer['dataset'])


@chainer.dataset.converter()
def send_array(batch, device):
    """Converter for :class:`ArrayIterator`: sends the batch to ``device``.

    The batch is already one array, so this only moves it (nothing when
    it is already there; ``device=None`` leaves it where it is).
    """
    if device is None:
        return batch
    return device.send(batch)
