import math

import numpy

from chainer import backend

from vae_avb.evaluation.log_weights import log_likelihood_terms
from vae_avb.evaluation.log_weights import logsumexp
from vae_avb.utils.check import check_count
from vae_avb.utils.check import check_positive
from vae_avb.utils.check import check_rows
from vae_avb.utils.check import check_values


def latent_grid(n_latent, n_points=200, limit=5.0):
    """Midpoints of a regular grid over ``[-limit, limit]^n_latent``.

    Returns:
        tuple: ``(z, cell_volume)``; ``z`` is ``(n_points ** n_latent,
        n_latent)`` float64.
    """
    if n_latent not in (1, 2):
        raise ValueError(
            'latent_grid: quadrature needs a 1-D or 2-D latent, got '
            'n_latent={}; use importance_weighted_log_likelihood'.format(
                n_latent))
    n_points = check_count(n_points, 'n_points', 'latent_grid')
    if n_points ** n_latent > 10 ** 8:
        raise ValueError('latent_grid: n_points={} makes {} grid points, more '
                         'than 10^8; lower n_points'.format(
                             n_points, n_points ** n_latent))
    # The prior's mass beyond |z| = 40 is below 1e-300: a wider grid is
    # only coarser (and beyond 1000 its cell volume overflows).
    limit = check_positive(limit, 'limit', 'latent_grid', upper=1000)
    step = 2. * limit / n_points
    if step ** n_latent == 0:
        raise ValueError('latent_grid: limit={!r} with n_points={} makes '
                         'cells of no volume; widen the grid'.format(
                             limit, n_points))
    axis = -limit + step * (numpy.arange(n_points) + 0.5)
    mesh = numpy.meshgrid(*([axis] * n_latent), indexing='ij')
    z = numpy.stack([m.ravel() for m in mesh], axis=1)
    return z, step ** n_latent


def quadrature_log_likelihood(decoder, x, n_points=200, limit=5.0,
                              max_rows=100000):
    """``log p(x) = log integral p(x|z) p(z) dz`` by the midpoint rule.

    For a model with a 1-D or 2-D latent this is exact up to the grid: the
    standard normal prior puts mass ``< 1e-5`` outside ``[-5, 5]^2``, and
    the default grid has 200 x 200 cells of side 0.05.

    Args:
        decoder (vae_avb.links.BernoulliDecoder): ``p(x|z)``.
        x (array): Data ``(N, D)``.
        n_points (int): Grid points per latent axis.
        limit (float): Half-width of the grid.
        max_rows (int): Largest number of decoder rows in one pass.

    Returns:
        numpy.ndarray: ``log p(x)``, shape ``(N,)``, float64, in nats.
    """
    where = 'quadrature_log_likelihood'
    if not hasattr(x, 'ndim'):  # A list or tuple of examples.
        x = numpy.asarray(x, dtype=numpy.float32)
    max_rows = check_count(max_rows, 'max_rows', where)
    if x.ndim != 2 or x.shape[1] != decoder.n_out:
        raise ValueError('{}: x has shape {}; pass (N, {}) data'.format(
            where, tuple(x.shape), decoder.n_out))
    check_rows(x, 'x', where)
    check_values(x, 'x', where, unit_interval=True)
    device = decoder.device
    z_all, volume = latent_grid(decoder.n_latent, n_points, limit)
    results = []
    rows_per_example = len(z_all)
    batch_size = max(1, max_rows // rows_per_example)
    for start in range(0, len(x), batch_size):
        batch = device.send(x[start:start + batch_size])
        xp = backend.get_array_module(batch)
        parts = []
        chunk = max(1, max_rows // len(batch))
        for begin in range(0, rows_per_example, chunk):
            z = device.send(z_all[begin:begin + chunk])
            z = xp.broadcast_to(z[:, None, :],
                                (len(z), len(batch), z.shape[1]))
            parts.append(log_likelihood_terms(decoder, batch, z))
        log_sum = logsumexp(xp.concatenate(parts))
        results.append(backend.CpuDevice().send(log_sum + math.log(volume)))
    return numpy.concatenate(results)
