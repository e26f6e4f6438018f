import numpy

import chainer

from vae_avb.datasets.checks import check_seed
from vae_avb.datasets.four_points import get_four_points
from vae_avb.utils.check import check_bool
from vae_avb.utils.check import check_count
from vae_avb.utils.random_state import loading
from vae_avb.utils.random_state import set_mt19937


# The largest batch: 2**20 points are 16 MiB as one float32 array (and a
# list of a million arrays otherwise); more is no batch anyone means, and
# would exhaust the memory at the first next() rather than here.
MAX_BATCH_SIZE = 2 ** 20


class FourPointsIterator(chainer.dataset.Iterator):

    """Endless iterator of fresh batches of the four points.

    Every batch holds ``batch_size`` points drawn uniformly with
    replacement, as the authors' toy notebook does; an epoch is
    ``epoch_size`` examples so that Trainer triggers in epochs still mean
    something.

    Args:
        batch_size (int): Points per batch, from 1 to
            :data:`MAX_BATCH_SIZE`.
        seed (int or None): Seed of the iterator's own random state, from
            0 to ``2**32 - 1``; ``None`` for a fresh one.
        epoch_size (int): Examples per nominal epoch, at least 1.
        with_index (bool): Make every example a ``(point, index)`` pair
            (not with ``as_array``).
        as_array (bool): Return each batch as one array ``(B, 4)``, for the
            :func:`~vae_avb.datasets.send_array` converter (faster),
            instead of a list of examples for
            :func:`~chainer.dataset.concat_examples`.

    Raises:
        ValueError: ``batch_size``, ``epoch_size`` or ``seed`` is not an
            integer in its range, or ``with_index`` and ``as_array`` are
            both set.
        TypeError: ``with_index`` or ``as_array`` is not a bool.
    """

    def __init__(self, batch_size, seed=None, epoch_size=4096,
                 with_index=False, as_array=False):
        batch_size = check_count(batch_size, 'batch_size',
                                 'FourPointsIterator',
                                 maximum=MAX_BATCH_SIZE)
        epoch_size = check_count(epoch_size, 'epoch_size',
                                 'FourPointsIterator')
        seed = check_seed(seed, 'FourPointsIterator', 'a fresh seed')
        with_index = check_bool(with_index, 'with_index',
                                'FourPointsIterator')
        as_array = check_bool(as_array, 'as_array', 'FourPointsIterator')
        if with_index and as_array:
            raise ValueError('FourPointsIterator: with_index and as_array '
                             'exclude each other (pairs of a point and its '
                             'index come as a list); pass one of them')
        self.batch_size = batch_size
        self.epoch_size = epoch_size
        self.with_index = with_index
        self.as_array = as_array
        self.points = get_four_points()
        self.random_state = numpy.random.RandomState(seed)
        self.iteration = 0
        self.epoch = 0
        self.is_new_epoch = False

    def __next__(self):
        indices = self.random_state.randint(0, 4, size=self.batch_size)
        self.iteration += 1
        epoch = self.iteration * self.batch_size // self.epoch_size
        self.is_new_epoch = epoch > self.epoch
        self.epoch = epoch
        points = self.points[indices]
        if self.with_index:
            return list(zip(points, indices))
        if self.as_array:
            return points
        return list(points)

    @property
    def epoch_detail(self):
        return self.iteration * self.batch_size / self.epoch_size

    def serialize(self, serializer):
        self.iteration = serializer('iteration', self.iteration)
        self.epoch = serializer('epoch', self.epoch)
        self.is_new_epoch = serializer('is_new_epoch', self.is_new_epoch)
        # The random state travels as its MT19937 key and position, so a
        # resumed run draws the same batches.
        _, key, pos, has_gauss, gauss = self.random_state.get_state()
        key = serializer('rng_key', None if loading(serializer) else key)
        pos = serializer('rng_pos', pos)
        has_gauss = serializer('rng_has_gauss', has_gauss)
        gauss = serializer('rng_gauss', gauss)
        if key is not None:  # None: not in the file (a non-strict load).
            set_mt19937(self.random_state, key, pos, has_gauss, gauss)
