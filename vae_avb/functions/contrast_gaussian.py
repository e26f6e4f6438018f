import collections

import chainer
import chainer.functions as F

from vae_avb.functions.lower_inverse import lower_inverse
from vae_avb.functions.whitening import cholesky_factor
from vae_avb.functions.whitening import VAR_FLOOR
from vae_avb.utils.check import check_float


class ContrastGaussian(collections.namedtuple(
        'ContrastGaussian', ('mean', 'scale', 'inverse_scale',
                             'half_log_det'))):

    """The Gaussian ``r(z|x) = N(mean, S S^T)`` of adaptive contrast.

    From :func:`contrast_gaussian`; all fields are arrays (constants).

    Attributes:
        mean (array): ``(B, n)``.
        scale (array): ``S``: the standard deviations ``(B, n)`` of a
            diagonal ``r``, or the lower Cholesky factor ``L`` ``(B, n,
            n)`` of a full covariance.
        inverse_scale (array): ``S^-1``: ``1 / std`` ``(B, n)``, or
            ``L^-1`` ``(B, n, n)``.
        half_log_det (array): ``log |S| = log |Cov|^(1/2)`` per row,
            ``(B,)``.
    """

    __slots__ = ()

    def whiten(self, z):
        """``z_bar = S^-1 (z - mean)``, ``N(0, I)`` for ``z ~ r(z|x)``.

        Args:
            z (array or chainer.Variable): ``(B, n)``; a Variable keeps
                its graph (the fields are constants).

        Returns:
            ``z_bar``, of ``z``'s kind.
        """
        if self.inverse_scale.ndim == 2:
            return (z - self.mean) * self.inverse_scale
        if isinstance(z, chainer.Variable):
            return F.matmul(self.inverse_scale,
                            F.expand_dims(z - self.mean, 2))[:, :, 0]
        return (self.inverse_scale @ (z - self.mean)[:, :, None])[:, :, 0]


def contrast_gaussian(mean, spread):
    """``r(z|x)``: the Gaussian with the mean and (co)variance of
    ``q(z|x)``, the reference distribution of adaptive contrast.

    Mescheder et al. 2017, Section 4: the adversary contrasts ``z_bar =
    S^-1 (z - mean)`` with ``N(0, I)``, and the KL estimate adds ``log
    r(z|x) - log p(z)`` in closed form. Both AVB losses and an AIS start
    distribution take ``r`` from here; ``mean`` and ``spread`` are the
    ``mean`` and ``spread`` of
    :meth:`~vae_avb.links.AdaptiveContrastEncoder.posterior`.

    Variances are floored at 1e-12 (NaN stays NaN, to reach the loss); a
    covariance gets the jitter of :func:`whitening` and raises
    ``ValueError`` if it holds NaN or inf or is still not positive
    definite.

    Args:
        mean (array): ``E[z|x]``, ``(B, n)``.
        spread (array): ``Var[z|x]`` ``(B, n)`` for a diagonal ``r``, or
            ``Cov[z|x]`` ``(B, n, n)`` for a full one.

    Returns:
        ContrastGaussian: ``(mean, scale, inverse_scale, half_log_det)``;
        ``scale`` is the standard deviations ``(B, n)`` or the Cholesky
        factor ``(B, n, n)``.

    Raises:
        ValueError: The shapes do not fit, or a covariance holds NaN or
            inf or is not positive definite.
        TypeError: ``spread`` is not a float array.
    """
    mean = chainer.as_array(mean)
    spread = chainer.as_array(spread)
    if mean.ndim != 2 or spread.shape[:2] != mean.shape or not (
            spread.ndim == 2 or spread.shape[1:] == (mean.shape[1],) * 2):
        raise ValueError(
            'contrast_gaussian: mean has shape {} and spread {}; pass '
            '(batch, n) and variances (batch, n) or covariances (batch, '
            'n, n)'.format(tuple(mean.shape), tuple(spread.shape)))
    check_float((spread,), ('spread',), 'contrast_gaussian')
    xp = chainer.backend.get_array_module(spread)
    if spread.ndim == 2:
        var = xp.maximum(spread, VAR_FLOOR)
        std = xp.sqrt(var)
        return ContrastGaussian(mean, std, 1 / std, 0.5 * xp.log(var).sum(1))
    lower = cholesky_factor(spread, 'contrast_gaussian', 'spread')
    inverse = lower_inverse(lower)
    half_log_det = xp.log(xp.diagonal(lower, axis1=1, axis2=2)).sum(axis=1)
    dtype = spread.dtype
    return ContrastGaussian(mean, lower.astype(dtype), inverse.astype(dtype),
                            half_log_det.astype(dtype))
