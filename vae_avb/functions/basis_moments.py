from vae_avb.functions.basis_covariance import basis_covariance


def basis_moments(v, covariance=False):
    """``E[v_i]`` and ``Var[v_i]`` (or ``Cov[v_i]``) over the batch axis.

    The moments of the adaptive-contrast bases ``v_i`` (Mescheder et al.
    2017, Section 4), estimated over a batch of their noise: population
    moments (divisor ``B``), as constants (arrays; :func:`posterior_moments`
    estimates them with a graph).

    Args:
        v (array): Basis samples ``(n_basis, B, n)`` (NumPy or CuPy).
        covariance (bool): The covariance matrices ``(n_basis, n, n)``
            instead of the variances ``(n_basis, n)``.

    Returns:
        tuple: ``(E[v], Var[v])`` of shape ``(n_basis, n)`` (or ``(E[v],
        Cov[v])``).
    """
    if v.ndim != 3:
        raise ValueError(
            'basis_moments: v has shape {}; pass (n_basis, batch, n)'
            .format(tuple(v.shape)))
    if covariance:
        return v.mean(axis=1), basis_covariance(v)
    return v.mean(axis=1), v.var(axis=1)
