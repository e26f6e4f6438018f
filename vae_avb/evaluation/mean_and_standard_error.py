import numpy


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
        ValueError: For an empty or non one-dimensional array.
    """
    values = numpy.asarray(values, dtype=numpy.float64)
    if values.ndim != 1 or len(values) == 0:
        raise ValueError(
            'mean_and_standard_error needs a non-empty 1-D array of '
            'per-example values, got shape {}'.format(values.shape))
    if not numpy.isfinite(values).all():
        raise ValueError('mean_and_standard_error: the values hold NaN or '
                         'inf; an estimate diverged')
    mean = float(values.mean())
    if len(values) < 2:
        return mean, None
    return mean, float(values.std(ddof=1) / numpy.sqrt(len(values)))
