"""The argument checks the plotting functions share.

Each raises one line naming the function (``where``), the argument, the
value and the fix, before anything is drawn or written.
"""
import numpy

import chainer
from chainer import backend

from vae_avb.utils.check import check_count
from vae_avb.utils.check import check_rows
from vae_avb.utils.check import check_values
from vae_avb.utils.check import one_line

# dtype kinds: bool, signed and unsigned integers, floats.
REAL = 'biuf'
FLOAT = 'f'


def host_array(x, name, where):
    """``x`` (a NumPy or CuPy array, a chainer.Variable, or a list of
    them) as a NumPy array on the host.

    Raises:
        TypeError: ``x`` is None, a string, or ragged nested lists.
    """
    if x is None or isinstance(x, (str, bytes)):
        raise TypeError('{}: {} must be an array (NumPy or CuPy) or a '
                        'chainer.Variable, got {}'.format(
                            where, name, type(x).__name__))
    try:
        return numpy.asarray(backend.CpuDevice().send(chainer.as_array(x)))
    except (TypeError, ValueError) as e:
        raise TypeError('{}: {} must be an array (NumPy or CuPy) or a '
                        'chainer.Variable, got a {} that NumPy cannot read '
                        '({})'.format(where, name, type(x).__name__,
                                      one_line(e)))


def check_real(array, name, where, kinds=REAL):
    """Checks that ``array``'s dtype is of one of ``kinds`` (by default
    real numbers: bool, integer or float; :data:`FLOAT` for floats only).

    Raises:
        TypeError: Complex, object, string or (with :data:`FLOAT`)
            integer data.
    """
    if array.dtype.kind not in kinds:
        raise TypeError('{}: {} has dtype {}, expected {}; convert it, for '
                        'instance with .astype(numpy.float32)'.format(
                            where, name, array.dtype,
                            'floats' if kinds == FLOAT else
                            'real numbers (bool, integer or float)'))


def check_pixels(array, name, where, kinds=REAL):
    """Checks that ``array`` holds grey levels: real numbers (of
    ``kinds``), no NaN or inf (:func:`~vae_avb.utils.check.check_values`,
    which ``chainer.config.type_check = False`` switches off), all in
    ``[0, 1]`` (0 black, 1 white).

    Raises:
        TypeError: The dtype is not of ``kinds``.
        ValueError: NaN, inf, or values outside ``[0, 1]``.
    """
    check_real(array, name, where, kinds)
    check_values(array, name, where)
    if array.size:
        low, high = float(array.min()), float(array.max())
        if low < 0 or high > 1:
            raise ValueError(
                '{}: {} must hold grey levels in [0, 1] (0 black, 1 white), '
                'found values in [{:g}, {:g}]; rescale them (images of bytes: '
                'divide by 255)'.format(where, name, low, high))


def check_image_shape(image_shape, where):
    """Checks that ``image_shape`` is ``(height, width)``, two integers of
    at least 1; returns it as a tuple of ints.

    Raises:
        ValueError: Anything else.
    """
    try:
        shape = tuple(image_shape)
    except TypeError:
        shape = ()
    if len(shape) != 2:
        raise ValueError('{}: image_shape must be (height, width), got {!r}'
                         .format(where, image_shape))
    return tuple(check_count(size, 'image_shape[{}]'.format(i), where)
                 for i, size in enumerate(shape))


def check_images(images, image_shape, where, name='images', kinds=REAL):
    """Checks flat images: ``(N, height * width)`` with ``N >= 1``, grey
    levels (see :func:`check_pixels`); returns them as a NumPy array.

    Args:
        images: Array, chainer.Variable or list of rows, on any device.
        image_shape (tuple): ``(height, width)``, already checked.
        where (str): The function checking, named in the message.
        name (str): The argument's name, used in the message.
        kinds (str): dtype kinds accepted (:data:`REAL` or :data:`FLOAT`).

    Raises:
        TypeError: Not an array, or of a wrong dtype.
        ValueError: Wrong shape, empty, NaN, inf, or outside ``[0, 1]``.
    """
    array = host_array(images, name, where)
    n_pixels = image_shape[0] * image_shape[1]
    if array.ndim != 2 or array.shape[1] != n_pixels:
        raise ValueError(
            '{}: {} has shape {}, expected (N, {}): flat images of '
            'image_shape {}; flatten them to rows, or pass the image_shape '
            'of your images'.format(where, name, array.shape, n_pixels,
                                    tuple(image_shape)))
    check_rows(array, name, where)
    check_pixels(array, name, where, kinds)
    return array


def check_codes(z, name, where):
    """Checks 2-D latent codes: a real array of shape ``(N, 2)`` (NaN and
    inf are allowed: matplotlib leaves such points out); returns it as a
    NumPy array.

    Raises:
        TypeError: Not an array, or not real numbers.
        ValueError: Not of shape ``(N, 2)``.
    """
    array = host_array(z, name, where)
    check_real(array, name, where)
    if array.ndim != 2 or array.shape[1] != 2:
        raise ValueError(
            '{}: {} has shape {}, expected (N, 2): one 2-D code per row; plot '
            '2-D codes (train with --dim-z 2, or project them first)'.format(
                where, name, array.shape))
    return array


def check_has(obj, names, role, where, hint):
    """Checks that ``obj`` has the attributes ``names`` (what the figure
    calls): a vae_avb network or one like it. (The visualization layer
    sits below the links, so it asks for what it uses rather than for a
    class.)

    Raises:
        TypeError: One line naming ``role``, what was given and ``hint``.
    """
    missing = [name for name in names if not hasattr(obj, name)]
    if missing:
        raise TypeError('{}: {} must be {}, got {} (it has no {})'.format(
            where, role, hint, type(obj).__name__, ', '.join(missing)))
