def basis_covariance(v):
    """``Cov[v_i]`` over the batch axis of ``v``.

    The population covariance (divisor ``B``) of each basis, as
    :func:`basis_moments` with ``covariance=True`` gives it.

    Args:
        v (array): Basis samples ``(n_basis, B, n)`` (NumPy or CuPy).

    Returns:
        array: ``(n_basis, n, n)``, in ``v``'s dtype.
    """
    if v.ndim != 3:
        raise ValueError(
            'basis_covariance: v has shape {}; pass (n_basis, batch, n)'
            .format(tuple(v.shape)))
    centred = v - v.mean(axis=1, keepdims=True)
    # The divisor in v's dtype (NumPy 1 would promote by a large int).
    return centred.transpose(0, 2, 1) @ centred / v.dtype.type(v.shape[1])
