import numpy

import chainer

from vae_avb.datasets.four_points import get_four_points


class FourPointsIterator(chainer.dataset.Iterator):

    """Endless iterator of fresh batches of the four points.

    Every batch holds ``batch_size`` points drawn uniformly with
    replacement, as the authors' toy notebook does; an epoch is
    ``epoch_size`` examples so that Trainer triggers in epochs still mean
    something.

    Args:
        batch_size (int): Points per batch.
        seed (int or None): Seed of the iterator's own random state.
        epoch_size (int): Examples per nominal epoch.
        with_index (bool): Make every example a ``(point, index)`` pair.
        as_array (bool): Return each batch as one array ``(B, 4)``, for the
            :func:`~vae_avb.datasets.send_array` converter (faster),
            instead of a list of examples for
            :func:`~chainer.dataset.concat_examples`.
    """

    def __init__(self, batch_size, seed=None, epoch_size=4096,
                 with_index=False, as_array=False):
        if batch_size < 1:
            raise ValueError(
                'FourPointsIterator: batch_size must be positive, got '
                '{}'.format(batch_size))
        self.batch_size = batch_size
        self.epoch_size = epoch_size
        self.with_index = with_index
        self.as_array = as_array and not with_index
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
        key = serializer('rng_key', key)
        pos = serializer('rng_pos', pos)
        has_gauss = serializer('rng_has_gauss', has_gauss)
        gauss = serializer('rng_gauss', gauss)
        self.random_state.set_state(
            ('MT19937', key, int(pos), int(has_gauss), float(gauss)))
