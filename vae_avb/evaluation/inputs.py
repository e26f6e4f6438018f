"""The arrays the estimators take, checked alike: a chainer.Variable is
read through its array, a list or tuple of examples becomes a float32
array, and anything that is not an array of real numbers is refused in
one line."""
import chainer
import numpy


def as_real_array(value, name, where, kind='an array (N, D) of examples'):
    """``value`` as an array of real numbers (booleans, integers or
    floats): a :class:`chainer.Variable`'s array, a NumPy or CuPy array
    as it is, and a list or tuple converted to float32.

    Raises:
        TypeError: One line naming ``where`` and ``name``: ``value`` is
            ``None``, a scalar, complex, or not numbers.
        ValueError: A list or tuple of rows of other lengths.
    """
    if isinstance(value, chainer.Variable):
        value = value.array
    if value is None or isinstance(value, (str, bytes)):
        raise TypeError('{}: {} must be {}, got {!r}'.format(
            where, name, kind, value))
    if not hasattr(value, 'ndim') or not hasattr(value, 'dtype'):
        try:
            found = numpy.asarray(value)
        except (TypeError, ValueError) as e:
            raise ValueError('{}: {} cannot be read as {} ({}); pass rows of '
                             'equal length'.format(
                                 where, name, kind, ' '.join(
                                     str(e).split()))) from None
        _check_kind(found.dtype, name, where)
        value = numpy.asarray(value, dtype=numpy.float32)
    if value.ndim == 0:
        raise TypeError('{}: {} must be {}, got the scalar {!r}'.format(
            where, name, kind, value))
    _check_kind(value.dtype, name, where)
    return value


def _check_kind(dtype, name, where):
    kind = numpy.dtype(dtype).kind
    if kind == 'c':
        raise TypeError('{}: {} is complex ({}); pass real numbers (its '
                        'real part would be a silent guess)'.format(
                            where, name, numpy.dtype(dtype).name))
    if kind not in 'biuf':
        raise TypeError('{}: {} holds {}, not numbers; pass an array of '
                        'numbers such as numpy.asarray(x, '
                        'numpy.float32)'.format(
                            where, name, numpy.dtype(dtype).name))
