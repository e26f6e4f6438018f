import numpy

import chainer

from vae_avb.utils.check import check_values
from vae_avb.utils.random_state import serialize_random_state


class DynamicBinarized(chainer.dataset.DatasetMixin):

    """Grey-level images re-binarised every time they are read.

    Dynamic binarisation (Salakhutdinov & Murray 2008; the IWAE and AVB
    papers' MNIST protocol): each read of example ``i`` returns a fresh
    draw ``x_bin ~ Bernoulli(x_i)``, so the model never sees the same
    binary image twice.

    Args:
        images (numpy.ndarray): Probabilities ``(N, D)`` in ``[0, 1]``.
        labels (numpy.ndarray or None): If given, examples are
            ``(image, label)`` tuples.
        seed (int or None): Seed of the dataset's own random state.
    """

    def __init__(self, images, labels=None, seed=None):
        check_values(images, 'images', 'DynamicBinarized',
                     unit_interval=True)
        self.images = images
        self.labels = labels
        self.random_state = numpy.random.RandomState(seed)

    def __len__(self):
        return len(self.images)

    def get_example(self, i):
        image = self.images[i]
        draw = self.random_state.random_sample(image.shape)
        binary = (draw < image).astype(image.dtype)
        if self.labels is None:
            return binary
        return binary, self.labels[i]

    def take_batch(self, indices):
        """Returns the images at ``indices`` as one binarised array.

        The draws are the ones ``get_example`` would make for the same
        indices in turn; used by :class:`~vae_avb.datasets.ArrayIterator`.
        """
        if self.labels is not None:
            raise ValueError(
                'DynamicBinarized.take_batch returns images only; build the '
                'dataset without labels to iterate it with ArrayIterator')
        images = self.images[indices]
        draw = self.random_state.random_sample(images.shape)
        return (draw < images).astype(images.dtype)

    def serialize(self, serializer):
        """Saves or restores the random state of the binarisation."""
        serialize_random_state(serializer['random_state'], self.random_state)
