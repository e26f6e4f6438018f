import numpy

from vae_avb.datasets.checks import check_float_dtype


def get_four_points(dtype=numpy.float32):
    """The four data points of the AVB toy experiment.

    Mescheder et al. 2017, Section 6.1 and Figure 5: the one-hot vectors
    of ``R^4``, each with probability 1/4. The best log-likelihood any
    model can reach is ``-log 4``.

    Args:
        dtype: Float type of the points: a type, a name or a
            ``numpy.dtype``; ``None`` is ``chainer.config.dtype``.

    Returns:
        numpy.ndarray: The identity matrix ``(4, 4)``; row ``i`` is point
        ``i``.

    Raises:
        TypeError: ``dtype`` is not a float type.
    """
    return numpy.eye(4, dtype=check_float_dtype(dtype, 'get_four_points'))
