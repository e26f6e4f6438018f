import chainer
import numpy

from vae_avb.functions.lower_inverse import lower_inverse
from vae_avb.utils.check import check_float

# A variance is floored at VAR_FLOOR only to keep a degenerate (zero)
# variance from dividing by zero; a covariance gets COV_JITTER, relative to
# its mean variance (and at least VAR_FLOOR), on its diagonal before its
# Cholesky factorisation.
VAR_FLOOR = 1e-12
COV_JITTER = 1e-6


def whitening(cov):
    """``(L^-1, sum log diag L)`` for ``L L^T = cov``.

    A jitter of 1e-6 times the mean variance (and at least 1e-12) is added
    to the diagonal first. A ``cov`` that is still not positive definite
    (or holds NaN or inf) raises ``ValueError``, on the CPU and on a GPU
    alike.

    Args:
        cov (array): Float covariance matrices ``(B, n, n)`` (NumPy or
            CuPy).

    Returns:
        tuple: ``L^-1`` ``(B, n, n)`` and ``log |cov|^(1/2)`` ``(B,)``, in
        ``cov``'s dtype.

    Raises:
        ValueError: ``cov`` is not ``(B, n, n)``, holds NaN or inf, or is
            not positive definite.
        TypeError: ``cov`` is not a float array.
    """
    lower = cholesky_factor(cov)
    inverse = lower_inverse(lower)
    xp = chainer.backend.get_array_module(lower)
    log_det = xp.log(xp.diagonal(lower, axis1=1, axis2=2)).sum(axis=1)
    return inverse.astype(cov.dtype), log_det.astype(cov.dtype)


def cholesky_factor(cov, where='whitening', name='cov'):
    """The lower Cholesky factor of ``cov`` ``(B, n, n)`` plus the jitter
    of :func:`whitening`, in float64; errors name ``where`` and
    ``name``."""
    if cov.ndim != 3 or cov.shape[1] != cov.shape[2]:
        raise ValueError(
            '{}: {} has shape {}; pass (batch, n, n)'.format(
                where, name, tuple(cov.shape)))
    check_float((cov,), (name,), where)
    xp = chainer.backend.get_array_module(cov)
    n = cov.shape[-1]
    scale = xp.trace(cov, axis1=1, axis2=2) / n
    jitter = xp.maximum(COV_JITTER * scale, VAR_FLOOR)
    work = cov.astype(numpy.float64) + jitter[:, None, None] * xp.eye(n)
    try:
        lower = xp.linalg.cholesky(work)
    except numpy.linalg.LinAlgError:
        lower = None
    # NumPy raises on a matrix that is not positive definite; CuPy returns
    # NaN instead (one check of the small factor, on the GPU one sync).
    if lower is None or not bool(xp.isfinite(lower).all()):
        # Only on failure: which of the two faults it is.
        if not bool(xp.isfinite(cov).all()):
            raise ValueError(
                '{}: {} holds NaN or inf; pass finite covariance '
                'matrices'.format(where, name))
        raise ValueError(
            '{}: a covariance in {} is not positive definite; pass '
            'positive-definite matrices (with adaptive contrast: use '
            'contrast=\'diagonal\' or a larger batch)'.format(where, name))
    return lower
