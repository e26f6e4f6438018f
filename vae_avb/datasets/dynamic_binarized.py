import numpy

import chainer


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
