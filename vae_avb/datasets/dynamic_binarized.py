import numpy

import chainer

from vae_avb.datasets.checks import check_images
from vae_avb.datasets.checks import check_seed
from vae_avb.utils.random_state import serialize_random_state


class DynamicBinarized(chainer.dataset.DatasetMixin):

    """Grey-level images re-binarised every time they are read.

    Dynamic binarisation (Salakhutdinov & Murray 2008; the IWAE and AVB
    papers' MNIST protocol): each read of example ``i`` returns a fresh
    draw ``x_bin ~ Bernoulli(x_i)``, so the model never sees the same
    binary image twice.

    Args:
        images (numpy.ndarray): Probabilities ``(N, D)`` in ``[0, 1]``, a
            NumPy array of floats, one flattened image per row.
        labels (numpy.ndarray or None): If given, one label per image
            (anything with a length and indexing, such as an array or a
            list), and examples are ``(image, label)`` tuples.
        seed (int or None): Seed of the dataset's own random state, from 0
            to ``2**32 - 1``; ``None`` for a fresh one.

    Raises:
        TypeError: ``images`` is not a NumPy array of floats, or
            ``labels`` has no length.
        ValueError: ``images`` is not ``(N, D)`` or leaves ``[0, 1]``,
            ``labels`` has another length, or ``seed`` is not a seed.
    """

    def __init__(self, images, labels=None, seed=None):
        check_images(images, 'DynamicBinarized')
        if labels is not None:
            try:
                n_labels = len(labels)
            except TypeError:
                raise TypeError(
                    'DynamicBinarized: labels must be an array of one label '
                    'per image or None, got {}'.format(
                        type(labels).__name__)) from None
            if n_labels != len(images):
                raise ValueError(
                    'DynamicBinarized: labels has {} entries for {} images; '
                    'give one label per image'.format(n_labels, len(images)))
        seed = check_seed(seed, 'DynamicBinarized', 'a fresh seed')
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
