import numpy

import chainer
from chainer.iterators.order_samplers import ShuffleOrderSampler

from vae_avb.datasets.checks import check_seed
from vae_avb.utils.check import check_bool
from vae_avb.utils.check import check_count
from vae_avb.utils.check import CorruptStateError
from vae_avb.utils.check import one_line
from vae_avb.utils.random_state import serialize_random_state


class ArrayIterator(chainer.dataset.Iterator):

    """Dataset iterator that returns array slices.

    A dataset held as one array ``(N, D)`` (NumPy, or CuPy to keep the data
    on the GPU) is cut into batches with one indexing operation, instead of
    a list of ``B`` examples that :func:`~chainer.dataset.concat_examples`
    then stacks row by row. Epochs, shuffling and the order of examples
    follow :class:`~chainer.iterators.SerialIterator` step for step: the
    same :class:`~chainer.iterators.ShuffleOrderSampler` draws each
    epoch's order, a batch that crosses the end of an epoch takes the rest
    of this epoch and the beginning of the next, and the attributes
    (``epoch``, ``is_new_epoch``, ``epoch_detail``,
    ``previous_epoch_detail``, ``current_position``) and the snapshot keys
    are ``SerialIterator``'s. So the batches are the same examples in the
    same order as ``SerialIterator`` with the same shuffling. Pair it with
    :func:`send_array` as the updater's and the evaluator's converter.

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
        seed (int or None): Seed of the shuffling, from 0 to
            ``2**32 - 1``; ``None`` for a fresh one.

    Raises:
        TypeError: The dataset is neither an array nor an object with
            ``__len__`` and a callable ``take_batch``, or ``repeat`` or
            ``shuffle`` is not a bool.
        ValueError: The dataset is empty, or ``batch_size`` or ``seed`` is
            out of range.
    """

    def __init__(self, array, batch_size, repeat=True, shuffle=True,
                 seed=None):
        self._take = getattr(array, 'take_batch', None)
        if self._take is None:
            if not isinstance(array, chainer.get_array_types()) or \
                    array.ndim == 0:
                raise TypeError(
                    'ArrayIterator: the dataset must be one array (N, ...) '
                    'or have a take_batch(indices) method, got {}{}; use '
                    'SerialIterator for a list of examples'.format(
                        'a 0-d ' if getattr(array, 'ndim', None) == 0
                        else '', type(array).__name__))
        elif not callable(self._take):
            raise TypeError(
                'ArrayIterator: the take_batch of the dataset {} is not '
                'callable (got {}); give it a method take_batch(indices) '
                'returning the batch'.format(type(array).__name__,
                                             type(self._take).__name__))
        else:
            try:
                len(array)
            except (TypeError, ValueError) as e:
                raise TypeError(
                    'ArrayIterator: the dataset {} has take_batch but no '
                    'usable __len__ ({}); give it __len__ returning its '
                    'number of examples, as DynamicBinarized has'.format(
                        type(array).__name__, one_line(e))) from None
        batch_size = check_count(batch_size, 'batch_size', 'ArrayIterator')
        repeat = check_bool(repeat, 'repeat', 'ArrayIterator')
        shuffle = check_bool(shuffle, 'shuffle', 'ArrayIterator')
        seed = check_seed(seed, 'ArrayIterator', 'a fresh seed')
        if len(array) == 0:
            raise ValueError('ArrayIterator: the dataset is empty; pass at '
                             'least one example')
        if repeat and batch_size > 100 * len(array):
            # SerialIterator's behaviour (a batch wraps over epochs) is kept
            # up to here; beyond, a batch is one example repeated hundreds
            # of times, and building it takes as many passes.
            raise ValueError(
                'ArrayIterator: batch_size {} is more than 100 times the {} '
                'examples of the dataset; give at most {}'.format(
                    batch_size, len(array), len(array)))
        self.dataset = array
        self.batch_size = int(batch_size)
        self._repeat = repeat
        self.random_state = numpy.random.RandomState(seed)
        self.order_sampler = ShuffleOrderSampler(self.random_state) \
            if shuffle else None
        self.reset()

    def reset(self):
        """Goes back to the first batch of the first epoch.

        With shuffling, a new order is drawn (the random state goes on, as
        ``SerialIterator.reset`` does).
        """
        if self.order_sampler is None:
            self._order = None
        else:
            self._order = self.order_sampler(
                numpy.arange(len(self.dataset)), 0)
        self.current_position = 0
        self.epoch = 0
        self.is_new_epoch = False
        self._detail_before = -1.

    @property
    def repeat(self):
        return self._repeat

    @property
    def epoch_detail(self):
        return self.epoch + self.current_position / self._epoch_size()

    @property
    def previous_epoch_detail(self):
        # -1 stands for None inside, as in SerialIterator's snapshots.
        if self._detail_before < 0:
            return None
        return self._detail_before

    def _epoch_size(self):
        if self._order is None:
            return len(self.dataset)
        return len(self._order)

    def _positions(self, start, stop):
        if self._order is None:
            return numpy.arange(start, stop, dtype=numpy.intp)
        return self._order[start:stop]

    def _next_indices(self):
        # The indices of the next batch, or None at the end of a single
        # pass. A batch that reaches the end of the epoch takes the rest of
        # it, then (repeat=True) the beginning of the next epoch, drawn by
        # the order sampler as the old epoch ends.
        if not self._repeat and self.epoch > 0:
            return None
        n = self._epoch_size()
        if self._repeat and n == 0:
            raise ValueError('ArrayIterator: the dataset is empty; an '
                             'iterator that repeats needs examples')
        start = self.current_position
        stop = start + self.batch_size
        order = self._order
        epoch = self.epoch
        is_new_epoch = False
        pieces = []
        while stop >= n:
            pieces.append(self._positions(start, n))
            if order is not None:
                new_order = self.order_sampler(order, start)
                if len(new_order) != len(order):
                    raise ValueError(
                        'ArrayIterator: the order sampler changed the '
                        'size of the order from {} to {}'.format(
                            len(order), len(new_order)))
                order = self._order = new_order
            epoch += 1
            is_new_epoch = True
            start = 0
            if self._repeat:
                stop -= n
            else:
                stop = 0
                break
        pieces.append(self._positions(start, stop))
        self.current_position = stop
        self.epoch = epoch
        self.is_new_epoch = is_new_epoch
        return numpy.concatenate(pieces)

    def __next__(self):
        self._detail_before = self.epoch_detail
        indices = self._next_indices()
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
        # SerialIterator's keys and meanings, so that snapshots written
        # when this class was a SerialIterator load, and the other way.
        self.current_position = serializer('current_position',
                                           self.current_position)
        self.epoch = serializer('epoch', self.epoch)
        self.is_new_epoch = serializer('is_new_epoch', self.is_new_epoch)
        loading = isinstance(serializer, chainer.serializer.Deserializer)
        if self._order is not None:
            try:
                serializer('order', self._order)
            except KeyError:
                try:
                    serializer('_order', self._order)
                except KeyError:
                    if not loading:
                        raise
                    raise ValueError(
                        'ArrayIterator: the snapshot was written by an '
                        'iterator that does not shuffle; build this one '
                        'with shuffle=False')
        elif loading and _holds(serializer, 'order'):
            raise ValueError(
                'ArrayIterator: the snapshot was written by an iterator '
                'that shuffles; build this one with shuffle=True')
        try:
            self._detail_before = serializer(
                'previous_epoch_detail', self._detail_before)
        except KeyError:
            # Snapshots of older Chainer versions: guessed as
            # SerialIterator does.
            self._detail_before = self.epoch + \
                (self.current_position - self.batch_size) / \
                self._epoch_size()
            if self.epoch_detail > 0:
                self._detail_before = max(
                    self._detail_before, 0.)
            else:
                self._detail_before = -1.
        serialize_random_state(serializer['random_state'], self.random_state)
        if hasattr(self.dataset, 'serialize'):
            self.dataset.serialize(serializer['dataset'])
        if loading:
            self._check_state()

    def _check_state(self):
        """Refuses a position, epoch or order read back that this
        iterator could not have written."""
        n = self._epoch_size()
        for name, value, limit in (
                ('current_position', self.current_position, max(n, 1)),
                ('epoch', self.epoch, None)):
            if isinstance(value, bool) or not isinstance(
                    value, (int, numpy.integer)) or value < 0 or (
                    limit is not None and value >= limit):
                raise CorruptStateError(
                    'ArrayIterator: the snapshot\'s {} is {!r}, which an '
                    'iterator over {} examples cannot have; resume from '
                    'another snapshot'.format(name, value, n))
        self.current_position = int(self.current_position)
        self.epoch = int(self.epoch)
        if self._order is not None and not numpy.array_equal(
                numpy.sort(self._order), numpy.arange(len(self._order))):
            raise CorruptStateError(
                'ArrayIterator: the snapshot\'s order is not a permutation '
                'of the {} examples; resume from another snapshot'.format(
                    len(self._order)))


@chainer.dataset.converter()
def send_array(batch, device):
    """Converter for :class:`ArrayIterator`: sends the batch to ``device``.

    The batch is already one array, so this only moves it (nothing when
    it is already there; ``device=None`` leaves it where it is).
    """
    if device is None:
        return batch
    return device.send(batch)


def _holds(deserializer, key):
    """Whether ``deserializer`` holds an entry ``key``."""
    try:
        return deserializer(key, None) is not None
    except KeyError:
        return False
