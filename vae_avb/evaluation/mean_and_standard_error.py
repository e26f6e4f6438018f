import math

import numpy

import chainer


def mean_and_standard_error(values):
    """Mean of per-example estimates and the standard error of that mean.

    The standard error is the sample standard deviation (``ddof=1``) over
    the square root of the number of values: the spread a test-set average
    such as an AIS log-likelihood, or a paired difference of two models on
    the same images, would have over repeated draws of the images.

    Args:
        values (array): One-dimensional per-example values, on the host.

    Returns:
        tuple: ``(mean, standard_error)`` as floats; the standard error is
        ``None`` for a single value, where it is undefined.

    Raises:
        ValueError: For an empty or non one-dimensional array, NaN or
            inf, or a standard error beyond the largest float.
        TypeError: For values that are not real numbers (complex ones
            too).
    """
    where = 'mean_and_standard_error'
    if isinstance(values, chainer.Variable):
        values = values.array
    try:
        raw = numpy.asarray(values)
    except ValueError as e:  # Rows of other lengths.
        raise ValueError('{}: the values cannot be read as a 1-D array '
                         '({})'.format(where, ' '.join(str(e).split()))
                         ) from None
    if raw.dtype.kind == 'c':
        raise TypeError('{}: the values are complex ({}); pass real '
                        'numbers'.format(where, raw.dtype.name))
    if raw.dtype.kind not in 'biuf':
        raise TypeError('{}: the values must be numbers, got {}'.format(
            where, raw.dtype.name))
    values = numpy.asarray(values, dtype=numpy.float64)
    if values.ndim != 1 or len(values) == 0:
        raise ValueError(
            'mean_and_standard_error needs a non-empty 1-D array of '
            'per-example values, got shape {}'.format(values.shape))
    if not numpy.isfinite(values).all():
        raise ValueError('mean_and_standard_error: the values hold NaN or '
                         'inf; an estimate diverged')
    with numpy.errstate(over='ignore'):  # Overflows are computed again.
        mean = float(values.mean())
        if len(values) < 2:
            return mean, None
        error = float(values.std(ddof=1) / numpy.sqrt(len(values)))
    if math.isfinite(mean) and math.isfinite(error):
        return mean, error
    # The sums overflowed: the same in units of the largest value.
    return _scaled(values)


def _scaled(values):
    scale = float(numpy.abs(values).max())
    unit = values / scale
    mean = float(unit.mean()) * scale
    error = float(unit.std(ddof=1) / numpy.sqrt(len(values))) * scale
    if not math.isfinite(error):
        raise ValueError('mean_and_standard_error: the standard error of '
                         'these values (up to {:g}) is beyond the largest '
                         'float; they are no estimates'.format(scale))
    return mean, error
