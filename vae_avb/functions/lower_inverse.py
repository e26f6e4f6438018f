import chainer

from vae_avb.utils.check import check_float


def lower_inverse(lower):
    """``L^-1`` of lower-triangular matrices by forward substitution.

    One row at a time for all ``B`` matrices at once (``n`` small
    products instead of ``B`` LAPACK calls, each of which can cost a
    thread wake-up). Only the lower triangle of ``lower`` is read.

    Args:
        lower (array): ``(B, n, n)``, lower triangular with a nonzero
            diagonal (NumPy or CuPy).

    Returns:
        array: ``(B, n, n)``, lower triangular, in ``lower``'s dtype.

    Raises:
        ValueError: ``lower`` is not ``(B, n, n)``.
        TypeError: ``lower`` is not a float array (an integer inverse
            would be rounded).
    """
    if lower.ndim != 3 or lower.shape[1] != lower.shape[2]:
        raise ValueError(
            'lower_inverse: lower has shape {}; pass (batch, n, n)'.format(
                tuple(lower.shape)))
    check_float((lower,), ('lower',), 'lower_inverse')
    xp = chainer.backend.get_array_module(lower)
    n = lower.shape[-1]
    identity = xp.eye(n, dtype=lower.dtype)
    inverse = xp.zeros_like(lower)
    for i in range(n):
        inverse[:, i] = (identity[i] - (lower[:, i:i + 1, :i]
                                        @ inverse[:, :i])[:, 0]) \
            / lower[:, i, i, None]
    return inverse
