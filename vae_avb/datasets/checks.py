"""The checks the datasets and iterators share: seeds, flags and image
arrays, each refused in one line at construction."""
import numpy

import chainer

from vae_avb.utils.check import check_count
from vae_avb.utils.check import check_values
from vae_avb.utils.check import one_line


# The seeds numpy.random.RandomState takes.
MAX_SEED = 2 ** 32 - 1


def check_seed(seed, where, none_means=None, name='seed'):
    """``seed`` as an ``int`` from 0 to :data:`MAX_SEED` (``3`` or
    ``numpy.int64(3)``; ``3.0`` too, as :func:`check_count` takes it), or
    ``None`` where ``none_means`` says what ``None`` does.

    Args:
        seed: The argument.
        where (str): What is checking, for the message.
        none_means (str or None): What ``None`` means (``'a fresh seed'``)
            where it is allowed; ``None`` refuses ``None``.
        name (str): The argument's name, for the message.

    Raises:
        ValueError: One line naming ``where``, ``name`` and the value.
    """
    if seed is None and none_means is not None:
        return None
    try:
        return check_count(seed, name, where, minimum=0, maximum=MAX_SEED)
    except ValueError as e:
        if none_means is None:
            raise
        raise ValueError('{}, or None for {}'.format(e, none_means)) \
            from None


def check_images(images, where, name='images'):
    """Checks that ``images`` is a NumPy array ``(N, D)`` of floats in
    ``[0, 1]``, one image flattened per row.

    Shape and dtype always; the values (NaN, inf, outside ``[0, 1]``)
    while ``chainer.config.type_check`` is on, as
    :func:`~vae_avb.utils.check.check_values` does.

    Raises:
        TypeError: Not a NumPy array, or not of a real floating dtype.
        ValueError: Not two axes; NaN, inf or values outside ``[0, 1]``.
    """
    if not isinstance(images, numpy.ndarray):
        raise TypeError(
            '{}: {} must be a NumPy array (N, D), got {}; convert it with '
            'numpy.asarray({}, numpy.float32)'.format(
                where, name, type(images).__name__, name))
    if images.dtype.kind != 'f':
        raise TypeError(
            '{}: {} has dtype {}, expected real floats in [0, 1]; convert '
            'with {}.astype(numpy.float32) (bytes: divide by 255)'.format(
                where, name, images.dtype, name))
    if images.ndim != 2:
        raise ValueError(
            '{}: {} has shape {}, expected (N, D) with one flattened image '
            'per row; reshape it, e.g. {}.reshape(len({}), -1) for images '
            '(N, 28, 28)'.format(where, name, images.shape, name, name))
    check_values(images, name, where, unit_interval=True)
    return images


def check_float_dtype(dtype, where):
    """``dtype`` (a type, a name or a ``numpy.dtype``; ``None`` for
    ``chainer.config.dtype``) as a floating ``numpy.dtype``.

    Raises:
        TypeError: One line naming ``where`` and the value: not a dtype,
            or not a floating one.
    """
    try:
        resolved = chainer.get_dtype(dtype)
    except (TypeError, ValueError) as e:
        raise TypeError('{}: dtype {!r} is not a NumPy dtype ({}); use a '
                        'float type such as numpy.float32'.format(
                            where, dtype, one_line(e)))
    if resolved.kind != 'f':
        raise TypeError('{}: dtype must be a float type for images in '
                        '[0, 1], got {!r} ({}); use numpy.float32, '
                        'numpy.float64 or numpy.float16'.format(
                            where, dtype, resolved))
    return resolved
