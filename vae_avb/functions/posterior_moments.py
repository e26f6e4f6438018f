import chainer
import chainer.functions as F

from vae_avb.functions.basis_moments import basis_moments


def posterior_moments(z0, a, v=None, moments=None, covariance=False):
    """``E[z|x]`` and ``Var[z|x]`` (or ``Cov[z|x]``) of ``z = z0 + sum_i
    a_i * v_i``.

    The moments of the adaptive-contrast posterior (Mescheder et al. 2017,
    Section 4) from those of its independent bases ``v_i``, the products
    elementwise::

        E[z|x]   = z0 + sum_i a_i E[v_i]
        Var[z|x] = sum_i a_i^2 Var[v_i]
        Cov[z|x] = sum_i diag(a_i) Cov[v_i] diag(a_i)

    The basis moments are ``moments`` when given, else estimated over the
    batch axis of the basis samples ``v`` (population moments, as
    :func:`basis_moments`).

    Arrays give arrays (the moments as constants). With a
    :class:`chainer.Variable` among the inputs, the mean and variances are
    Variables with their graph (through ``v`` too when the moments are
    estimated); the covariance takes arrays only.

    Args:
        z0 (array or chainer.Variable): ``(B, n)``.
        a (array or chainer.Variable): Coefficients ``(n_basis, B, n)``.
        v (array or chainer.Variable or None): Basis samples ``(n_basis,
            B', n)``; needed when ``moments`` is ``None``.
        moments (tuple or None): ``(E[v], Var[v])`` of shape ``(n_basis,
            n)``, or ``(E[v], Cov[v])`` with ``Cov[v]`` of shape
            ``(n_basis, n, n)`` for ``covariance=True``.
        covariance (bool): The covariance matrices ``(B, n, n)`` instead
            of the variances.

    Returns:
        tuple: ``(mean, var)`` of shape ``(B, n)``, or ``(mean, cov)``.
    """
    if len(a.shape) != 3 or tuple(z0.shape) != tuple(a.shape[1:]):
        raise ValueError(
            'posterior_moments: z0 has shape {} and a {}; pass (B, n) and '
            '(n_basis, B, n)'.format(tuple(z0.shape), tuple(a.shape)))
    if moments is not None and (not isinstance(moments, (tuple, list))
                                or len(moments) != 2):
        raise ValueError(
            'posterior_moments: moments must be a pair (E[v], {}[v]), got '
            '{}; pass both, or moments=None to estimate them from v'.format(
                'Cov' if covariance else 'Var',
                '{} item(s)'.format(len(moments))
                if isinstance(moments, (tuple, list))
                else 'a {}'.format(type(moments).__name__)))
    k, _, n = a.shape
    basis_shape = (k, n, n) if covariance else (k, n)
    inputs = [z0, a, v] + list(moments or ())
    graph = any(isinstance(t, chainer.Variable) for t in inputs)
    if graph and covariance:
        raise ValueError(
            'posterior_moments: the covariance is computed on arrays only '
            '(adaptive contrast holds it constant); pass arrays')
    if moments is not None:
        mean_v, spread_v = moments
        if (tuple(mean_v.shape) != (k, n)
                or tuple(spread_v.shape) != basis_shape):
            raise ValueError(
                'posterior_moments: moments have shapes {} and {}; pass {} '
                'and {}'.format(tuple(mean_v.shape), tuple(spread_v.shape),
                                (k, n), basis_shape))
    elif v is None or len(v.shape) != 3 or (v.shape[0], v.shape[2]) != (
            k, n):
        raise ValueError(
            'posterior_moments: v has shape {}; pass (n_basis, batch, n) = '
            '({}, batch, {}) or the moments'.format(
                None if v is None else tuple(v.shape), k, n))
    elif graph:
        mean_v = F.mean(v, axis=1, keepdims=True)
        spread_v = F.mean(F.square(v - F.broadcast_to(mean_v, v.shape)),
                          axis=1, keepdims=True)
    else:
        mean_v, spread_v = basis_moments(v, covariance)
    # (n_basis, 1, n), to broadcast over the batch (already so for the
    # batch estimate with a graph).
    if mean_v.ndim == 2:
        mean_v = mean_v[:, None]
        if not covariance:
            spread_v = spread_v[:, None]
    mean = z0 + F.sum(a * F.broadcast_to(mean_v, a.shape), axis=0)
    if covariance:
        # One (n, n) matrix per row.
        xp = chainer.backend.get_array_module(a)
        return mean.array, xp.einsum('kbi,kij,kbj->bij', a, spread_v, a)
    var = F.sum(F.square(a) * F.broadcast_to(spread_v, a.shape), axis=0)
    if graph:
        return mean, var
    return mean.array, var.array
