from vae_avb.functions.contrast_gaussian import contrast_gaussian


def standardize(z, mean, spread):
    """``z_bar`` and ``log |Cov|^(1/2)`` of ``r(z|x)``.

    The two pieces of :func:`contrast_gaussian` that adaptive contrast
    uses, ``r.whiten(z)`` and ``r.half_log_det``.

    Args:
        z (array or chainer.Variable): Samples ``(B, n)``; a Variable
            keeps its graph (``mean`` and ``spread`` are constants).
        mean (array): ``E[z|x]``, ``(B, n)``.
        spread (array): Variances ``(B, n)`` (floored at 1e-12), or
            covariance matrices ``(B, n, n)``.

    Returns:
        tuple: ``z_bar`` (``(z - mean) / sqrt(var)``, or ``L^-1 (z -
        mean)`` with ``L L^T = Cov``), of ``z``'s kind, and the array of
        ``log |Cov|^(1/2)`` per row.
    """
    r = contrast_gaussian(mean, spread)
    return r.whiten(z), r.half_log_det
