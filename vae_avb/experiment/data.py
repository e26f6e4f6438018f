"""The MNIST scripts' data: MNIST or a user's file, checked.

Every problem with the data is raised as a one-line
:class:`~vae_avb.experiment.UsageError` naming it and the fix, before
anything is written.
"""
import os

import numpy

from vae_avb.experiment.errors import UsageError
from vae_avb.datasets import binarize_images
from vae_avb.datasets import DynamicBinarized
from vae_avb.datasets import get_mnist
from vae_avb.datasets import load_mnist_uint8
from vae_avb.datasets import MNISTNotFoundError
from vae_avb.utils.archive import ArchiveError
from vae_avb.utils.archive import read_npz
from vae_avb.utils.check import check_values

N_FEATURES = 784  # 28 x 28 images: the network and the figures need it.


def load_data(binarize, seed, data=None, test=False):
    """Training images, test images and test labels, checked.

    Args:
        binarize (str): ``'none'``, ``'threshold'``, ``'static'`` or
            ``'dynamic'`` (see :func:`vae_avb.datasets.get_mnist`).
        seed (int): Seed of the binarization.
        data (str or None): An ``.npz`` file with ``train`` and ``test``
            arrays of 28x28 images in [0, 1], shaped ``(N, 784)`` or
            ``(N, 28, 28)``, and optionally integer ``test_labels``;
            ``None`` reads MNIST.
        test (bool): Keep 600 training and 100 test images.

    Returns:
        tuple: ``(train, test, test_labels)``; ``train`` is a
        :class:`~vae_avb.datasets.DynamicBinarized` for ``'dynamic'``.
    """
    if data is None:
        try:
            train, test_x = get_mnist(binarize=binarize, seed=seed)
            test_labels = load_mnist_uint8()[0]['test'][1]
        except MNISTNotFoundError as e:
            raise UsageError(str(e))
    else:
        train, test_x, test_labels = _read_file(data)
    # Files are checked before they are binarized, MNIST after.
    _check(train, test_x, data)
    if data is not None:
        # As get_mnist: train and test draw from seed and seed + 1 (modulo
        # 2 ** 32, NumPy's seeds), and the test set of a dynamic
        # binarization is drawn once.
        if binarize == 'dynamic':
            train = DynamicBinarized(train, seed=seed)
        else:
            train = binarize_images(train, binarize, seed)
        test_x = binarize_images(
            test_x, 'stochastic' if binarize == 'dynamic' else binarize,
            (seed + 1) % 2 ** 32)
    if test:
        train = DynamicBinarized(train.images[:600], seed=seed) \
            if isinstance(train, DynamicBinarized) else train[:600]
        test_x, test_labels = test_x[:100], test_labels[:100]
    return train, test_x, test_labels


def check_batch_size(batch_size, train):
    """Refuses a ``--batch-size`` above the number of training images (an
    epoch would be one batch of repeated images, drawn again and again).

    Raises:
        UsageError: One line naming the largest batch size allowed.
    """
    if batch_size > len(train):
        raise UsageError(
            '--batch-size {} is larger than the {} training images; give at '
            'most {}'.format(batch_size, len(train), len(train)))


def _check(train, test, data):
    for name, images in (('train', train), ('test', test)):
        if isinstance(images, DynamicBinarized):
            images = images.images
        try:
            check_values(images, '{} images'.format(name),
                         '--data {}'.format(data) if data else 'MNIST',
                         unit_interval=True)
        except ValueError as e:
            raise UsageError(str(e))


def _read_file(path):
    if not os.path.isfile(path):
        raise UsageError('--data {} does not exist or is not a regular file; '
                         'give an .npz file with train and test arrays'
                         .format(path))
    try:
        arrays = read_npz(path)
    except OSError as e:
        raise UsageError('--data {} cannot be read ({}); check its '
                         'permissions'.format(path, e.strerror or e))
    except ArchiveError as e:
        raise UsageError('--data {} {}; write it with numpy.savez(path, '
                         'train=..., test=...)'.format(path, e.problem))
    for key in ('train', 'test'):
        if key not in arrays:
            raise UsageError('--data {} has no {!r} array (it has {}); save '
                             'it with numpy.savez(path, train=..., test=...)'
                             .format(path, key, sorted(arrays) or 'none'))
    images = []
    for key in ('train', 'test'):
        x = arrays[key]
        if x.ndim == 3 and x.shape[1:] == (28, 28):
            x = x.reshape(len(x), -1)
        if x.ndim != 2 or x.shape[1] != N_FEATURES or len(x) == 0:
            raise UsageError(
                '--data {}: {} has shape {}, expected (N, {}) or (N, 28, 28)'
                ' with N >= 1; the network reads 28x28 images flattened to '
                '{} features'.format(path, key, arrays[key].shape,
                                     N_FEATURES, N_FEATURES))
        if x.dtype.kind != 'f':
            raise UsageError(
                '--data {}: {} has dtype {}, expected floats in [0, 1]; '
                'convert it, for instance x.astype(numpy.float32) / 255'
                .format(path, key, x.dtype))
        images.append(x.astype(numpy.float32))
    labels = arrays.get('test_labels')
    if labels is None:  # The figures then show every image as one class.
        labels = numpy.zeros(len(images[1]), numpy.int32)
    elif labels.shape != (len(images[1]),):
        raise UsageError(
            '--data {}: test_labels has shape {}, expected ({},), one label '
            'per test image'.format(path, labels.shape, len(images[1])))
    elif labels.dtype.kind not in 'iu' or (
            labels.size and not 0 <= labels.min() <= labels.max() < 2 ** 31):
        raise UsageError(
            '--data {}: test_labels must be integers from 0 (class '
            'numbers), got dtype {}{}; convert them with '
            'labels.astype(numpy.int32)'.format(
                path, labels.dtype, ' values from {} to {}'.format(
                    labels.min(), labels.max())
                if labels.dtype.kind in 'iub' and labels.size else ''))
    elif labels.size and labels.min() > 9:
        # The figures interpolate between test images of digits 0 to 9;
        # refused here, before a run trains and writes anything.
        raise UsageError(
            '--data {}: test_labels has no digit from 0 to 9 (values from {} '
            'to {}); give the MNIST classes of the test images, or leave '
            'test_labels out'.format(path, labels.min(), labels.max()))
    return images[0], images[1], labels


def evaluation_batch_size(n, batch_size, minimum=1):
    """The batch size for evaluating ``n`` examples in order:
    ``batch_size``, made larger where needed so that the last batch has
    at least ``minimum`` rows (adaptive contrast estimates moments over a
    batch and needs 2)."""
    size = batch_size
    while n > size and 0 < n % size < minimum:
        size += 1
    return size
