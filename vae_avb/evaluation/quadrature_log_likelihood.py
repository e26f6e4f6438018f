import math
import numbers

import numpy

import chainer
from chainer import backend

from vae_avb.evaluation.inputs import as_real_array
from vae_avb.evaluation.log_weights import log_likelihood_terms
from vae_avb.evaluation.log_weights import log_normal
from vae_avb.evaluation.log_weights import logsumexp
from vae_avb.utils.check import check_count
from vae_avb.utils.check import check_positive
from vae_avb.utils.check import check_rows
from vae_avb.utils.check import check_values

# The adaptive grid (limit=None) covers, per example, every z where
# log f(z) = log p(x|z) + log p(z) is within THRESHOLD nats of its highest
# value: a Gaussian posterior keeps a share e^-THRESHOLD (2-D) of its mass
# beyond that contour.
THRESHOLD = 25.
# Spacing of the shared locate grid; the first pass, which only sizes the
# locate box, is twice as coarse.
LOCATE_STEP = 0.25
# The locate box never exceeds [-40, 40]^d: the prior's mass beyond is
# below 1e-300.
MAX_LOCATE_LIMIT = 40.
# Boxes per example, at most (the first and three refinements).
ROUNDS = 4
# Doublings of the points per axis, at most, towards the tolerance.
DOUBLINGS = 2


def latent_grid(n_latent, n_points=200, limit=5.0):
    """Midpoints of a regular grid over ``[-limit, limit]^n_latent``.

    Returns:
        tuple: ``(z, cell_volume)``; ``z`` is ``(n_points ** n_latent,
        n_latent)`` float64.
    """
    if isinstance(n_latent, bool) or not isinstance(
            n_latent, numbers.Real) or n_latent not in (1, 2):
        raise ValueError(
            'latent_grid: quadrature needs a 1-D or 2-D latent, got '
            'n_latent={}; use importance_weighted_log_likelihood'.format(
                n_latent))
    n_latent = int(n_latent)  # 2.0 too, as every count.
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


def quadrature_log_likelihood(decoder, x, n_points=200, limit=None,
                              max_rows=100000, tolerance=1e-3,
                              return_error=False):
    """``log p(x) = log integral p(x|z) p(z) dz`` by the midpoint rule.

    For a model with a 1-D or 2-D latent ``z`` and the prior ``N(0, I)``,
    such as the four-point toy of Mescheder et al. 2017 (Table 1 reports
    its log-likelihood without saying how it was computed). Write
    ``log f(z) = log p(x|z) + log p(z)`` and ``d`` for the latent size.

    **Adaptive grid** (``limit=None``, the default): each example gets
    its own box, found from ``log f`` itself.

    1. *Locate.* ``log f`` on a grid of spacing 0.25 over ``[-L, L]^d``,
       shared by the batch. As ``p(x|z) <= 1`` for ``x`` in ``[0, 1]``,
       ``f(z) <= p(z) <= exp(-L^2 / 2) / (2 pi)^(d / 2)`` outside that
       box; ``L`` (from 7.1 to 40) is the smallest for which this lies 25
       nats below the highest ``log f`` of a first pass of spacing 0.5.
    2. *Box.* The bounding box of the locate points within 25 nats of
       the example's highest, widened by a locate cell on each side.
    3. *Refine.* ``n_points`` per axis over the box. The box is then
       recomputed from this grid (its points within 25 nats of the
       highest, widened by two cells; a side where such a point lies in
       the outermost cells moves out by the box's width, up to the locate
       box) and ``log f`` recomputed, while a side moved out or the box
       shrank to less than half its width on an axis: four boxes at most.
    4. *Resolution.* The grid's own error (below) against ``tolerance``:
       the points per axis are doubled, on the same box, while it is
       above, twice at most (``4 n_points``, within 10^8 points;
       ``tolerance=None``: never).

    The error, returned with ``return_error``, per example, in nats, is
    the sum of: the largest difference between the result and the
    midpoint rule of half the points per axis, or either interleaved
    sub-grid of every other point per axis (rules of twice the spacing:
    one sees structure the other, by its phase, may miss); ``n_points``
    times the share of the result in the outermost ring of cells, for
    the mass beyond the box; ``log(1 + P / p(x))``, ``P`` the prior's
    mass outside the locate box; and the decoder's rounding, ``eps *
    (|log p(x)| + D)`` (``eps`` of its dtype: ``1.2e-7`` for float32).

    What is guaranteed: the mass outside the locate box adds at most
    the error's ``log(1 + P / p(x))``, which is computed, not estimated.
    What is not: the other terms estimate, they do not bound. A
    Gaussian-shaped mode of standard deviation ``s`` has a locate point
    within ``d 0.25^2 / (8 s^2)`` nats of its peak, 4 nats in 2-D for
    ``s >= 0.0625`` (a quarter of the locate spacing); a mode whose
    locate points all lie 25 nats or more below the highest is missed
    (unless inside another's box), which takes a second mode narrower
    than that or one whose peak is about 21 nats below the first's. A
    sole mode, however narrow, is found. Structure finer than the fine
    spacing (a step of ``p(x|z)`` 0.01 wide across a box of width 5, say)
    is measured only as well as the two rules of twice the spacing see
    it; the doublings are there for it (``tolerance=1e-3`` nats by
    default). Measured: on a trained model of 12 pixels whose
    posteriors reach beyond ``|z| = 5`` (the tests), within ``1e-6`` nats
    of a brute-force value on every example, where the fixed grid of
    ``|z| <= 5`` was up to 0.28 nats low; on 200 test images of a
    784-500-2 MNIST VAE, within ``2e-7`` nats of a grid of spacing 0.016
    over ``|z| <= 12`` where the fixed grid was 0.056 low, for 1.4 times
    its decoder rows (1.4 to 1.7 times its time). The result depends on
    no random state; the locate box is shared by up to 100 examples, so
    another ``max_rows`` may change it within the error.

    **Fixed grid** (``limit`` a number): ``n_points`` per axis over
    ``[-limit, limit]^d`` for every example, as before the adaptive grid
    (whose default was ``limit=5.0``), with no doubling. A posterior
    reaching beyond the grid is cut, and the error's ``log(1 + P /
    p(x))`` (``P`` the prior's mass outside the grid) says so, by a
    large number where ``p(x)`` is small.

    Args:
        decoder (vae_avb.links.BernoulliDecoder): ``p(x|z)``.
        x (array): Data ``(N, D)``.
        n_points (int): Grid points per latent axis, of each example's box
            (at least 2 for the adaptive grid).
        limit (float or None): Half-width of a fixed grid; ``None`` finds
            a box per example.
        max_rows (int): Largest number of decoder rows in one pass.
        tolerance (float or None): Error, in nats, above which the
            adaptive grid doubles its points (twice at most).
        return_error (bool): Also return the error estimate.

    Returns:
        numpy.ndarray: ``log p(x)``, shape ``(N,)``, float64, in nats (with
        ``return_error``: a tuple with the error estimate, shape ``(N,)``,
        float64, in nats).
    """
    where = 'quadrature_log_likelihood'
    # A Variable's array; a list or tuple of examples as float32.
    x = as_real_array(x, 'x', where)
    max_rows = check_count(max_rows, 'max_rows', where)
    if not isinstance(return_error, (bool, numpy.bool_)):
        raise TypeError('{}: return_error must be True or False, got '
                        '{!r}'.format(where, return_error))
    if x.ndim != 2 or x.shape[1] != decoder.n_out:
        raise ValueError('{}: x has shape {}; pass (N, {}) data'.format(
            where, tuple(x.shape), decoder.n_out))
    check_rows(x, 'x', where)
    check_values(x, 'x', where, unit_interval=True)
    if tolerance is not None:
        tolerance = check_positive(tolerance, 'tolerance', where)
    if limit is None:
        # Checks n_latent and n_points; the grid itself is not used.
        latent_grid(decoder.n_latent, n_points, 1.)
        if n_points < 2:
            raise ValueError(
                '{}: n_points must be at least 2 for the adaptive grid '
                '(limit=None), got {!r}; pass more points'.format(
                    where, n_points))
        return _adaptive(decoder, x, int(n_points), max_rows, tolerance,
                         return_error)
    device = decoder.device
    z_all, volume = latent_grid(decoder.n_latent, n_points, limit)
    results = []
    errors = []
    if return_error:
        n_points = int(n_points)
        index = device.send(_grid_index(n_points, decoder.n_latent))
        log_outside = _log_prior_outside(float(limit), decoder.n_latent)
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
        log_f = xp.concatenate(parts)
        log_sum = logsumexp(log_f)
        log_px = log_sum + math.log(volume)
        results.append(backend.CpuDevice().send(log_px))
        if return_error:
            spread = _spread(log_f, log_sum, index, n_points)
            lower = xp.full((len(batch), decoder.n_latent), -float(limit))
            half = _half_rule(decoder, batch, lower, -2 * lower, n_points,
                              max_rows)
            if half is not None:
                spread = xp.maximum(spread, abs(half - log_px))
            errors.append(backend.CpuDevice().send(_error(
                decoder, log_px, spread, log_outside)))
    if return_error:
        return numpy.concatenate(results), numpy.concatenate(errors)
    return numpy.concatenate(results)


def _grid_index(n_points, n_latent):
    """The integer coordinates ``(n_points ** n_latent, n_latent)`` of
    :func:`latent_grid`'s points, in its order."""
    mesh = numpy.meshgrid(*([numpy.arange(n_points)] * n_latent),
                          indexing='ij')
    return numpy.stack([m.ravel() for m in mesh], axis=1)


def _log_prior_outside(limit, n_latent):
    """``log P(max_i |z_i| > limit)`` under ``N(0, I)`` (``-inf`` where
    it underflows)."""
    tail = math.erfc(limit / math.sqrt(2.))  # P(|z_i| > limit)
    if tail >= 1:
        return 0.
    outside = -math.expm1(n_latent * math.log1p(-tail))
    return math.log(outside) if outside > 0 else -math.inf


def _box_terms(decoder, batch, lower, width, unit, max_rows):
    """``log f`` ``(S, B)`` on each example's own grid ``lower + width *
    unit``; ``lower`` and ``width`` are ``(B, d)``, ``unit`` ``(S, d)`` in
    the unit box."""
    xp = backend.get_array_module(batch)
    parts = []
    chunk = max(1, max_rows // len(batch))
    for begin in range(0, len(unit), chunk):
        z = lower + width * unit[begin:begin + chunk, None, :]
        parts.append(log_likelihood_terms(decoder, batch, z))
    return xp.concatenate(parts)


def _half_rule(decoder, batch, lower, width, n_points, max_rows):
    """``log p(x)`` by the midpoint rule of ``n_points // 2`` per axis over
    each example's box (``None`` for fewer than 1)."""
    xp = backend.get_array_module(batch)
    half = n_points // 2
    if half < 1:
        return None
    unit = xp.asarray((_grid_index(half, lower.shape[1]) + 0.5) / half)
    log_f = _box_terms(decoder, batch, lower, width, unit, max_rows)
    return logsumexp(log_f) + xp.log(width / half).sum(axis=1)


def _spread(log_f, log_sum, index, n_points):
    """Per example: the largest difference, in nats, between the midpoint
    rule and either rule of every other point per axis (twice the
    spacing, ``2^d`` times the cell volume), plus ``n_points`` times the
    share of the mass in the outermost ring of cells."""
    xp = backend.get_array_module(log_f)
    n_latent = index.shape[1]
    parity = (index % 2 * 2 ** xp.arange(n_latent)).sum(axis=1)
    spread = xp.zeros(log_f.shape[1])
    for code in range(2 ** n_latent):
        part = log_f[parity == code]
        if len(part):
            spread = xp.maximum(spread, xp.abs(
                logsumexp(part) + n_latent * math.log(2.) - log_sum))
    ring = ((index == 0) | (index == n_points - 1)).any(axis=1)
    return spread + n_points * xp.exp(logsumexp(log_f[ring]) - log_sum)


def _error(decoder, log_px, spread, log_outside):
    """The error estimate of :func:`quadrature_log_likelihood`, per
    example, in nats, from the grid's own (:func:`_spread` and the
    difference from :func:`_half_rule`) and the log of the prior's mass
    where no point was."""
    xp = backend.get_array_module(log_px)
    # log(1 + P / p(x)) bounds what the mass outside can add.
    outside = xp.logaddexp(0., log_outside - log_px)
    # The decoder's rounding: a few ulps of each of the D terms of
    # log p(x|z) and of their sum.
    rounding = float(numpy.finfo(decoder.dtype).eps) * (
        xp.abs(log_px) + decoder.n_out)
    return spread + outside + rounding


def _locate_terms(decoder, batch, limit, step, max_rows):
    """``log f`` on one grid of spacing ``step`` over ``[-L, L]^d``, ``L``
    the multiple of ``step / 2`` at or above ``limit``, for every example
    of ``batch``: the decoder decodes each point once.

    Returns:
        tuple: ``(log_f, index, n, L)``: ``log_f`` ``(S, B)`` float64, the
        points' integer coordinates ``(S, d)`` and ``n`` per axis.
    """
    xp = backend.get_array_module(batch)
    n = int(math.ceil(2. * limit / step))
    limit = n * step / 2.
    index = _grid_index(n, decoder.n_latent)
    z_all = -limit + step * (index + 0.5)
    x = batch.astype(decoder.dtype, copy=False)
    parts = []
    chunk = max(1, max_rows // len(batch))
    for begin in range(0, len(z_all), chunk):
        z = decoder.device.send(z_all[begin:begin + chunk])
        with chainer.no_backprop_mode(), \
                chainer.using_config('train', False), \
                chainer.using_config('type_check', False):
            logits = decoder.decode(z.astype(decoder.dtype)).array
        # log p(x|z) = x . logits - sum softplus(logits), for every pair.
        log_px = (logits.dot(x.T) - xp.logaddexp(0., logits).sum(
            axis=1, keepdims=True)).astype(xp.float64)
        parts.append(log_px + log_normal(z)[:, None])
    return xp.concatenate(parts), xp.asarray(index), n, limit


def _bounds(log_f, index, n):
    """Per example and axis, the lowest and highest integer coordinate of
    the points within :data:`THRESHOLD` nats of the example's highest
    ``log f``; each ``(B, d)``."""
    xp = backend.get_array_module(log_f)
    above = log_f >= log_f.max(axis=0) - THRESHOLD
    low = xp.stack([xp.where(above, index[:, k:k + 1], n).min(axis=0)
                    for k in range(index.shape[1])], axis=1)
    high = xp.stack([xp.where(above, index[:, k:k + 1], -1).max(axis=0)
                     for k in range(index.shape[1])], axis=1)
    return low, high


def _adaptive(decoder, x, n_points, max_rows, tolerance, return_error):
    """:func:`quadrature_log_likelihood` with ``limit=None``."""
    device = decoder.device
    index = _grid_index(n_points, decoder.n_latent)
    batch_size = max(1, max_rows // len(index))
    # The locate grid is decoded once for all the examples it scores (up
    # to 100 by default; the scores take 8 bytes per point and example).
    locate_size = max(batch_size, min(100, max_rows // 1000))
    results = []
    errors = []
    for start in range(0, len(x), locate_size):
        located = device.send(x[start:start + locate_size])
        lower, upper, limit = _locate(decoder, located, max_rows)
        for begin in range(0, len(located), batch_size):
            rows = slice(begin, begin + batch_size)
            log_px, error = _refine(
                decoder, located[rows], lower[rows], upper[rows], limit,
                index, n_points, max_rows, tolerance)
            results.append(backend.CpuDevice().send(log_px))
            if return_error:
                errors.append(backend.CpuDevice().send(error))
    if return_error:
        return numpy.concatenate(results), numpy.concatenate(errors)
    return numpy.concatenate(results)


def _locate(decoder, batch, max_rows):
    """Steps 1 and 2 of :func:`quadrature_log_likelihood`: each example's
    first box, ``lower`` and ``upper`` ``(B, d)``, and the half-width of
    the locate box."""
    xp = backend.get_array_module(batch)
    # Outside [-L, L]^d, log f <= log p(z) <= -L^2 / 2 - (d / 2) log 2 pi:
    # THRESHOLD below the first pass's highest log f (of the example that
    # needs the widest box) for this L.
    first = _locate_terms(decoder, batch, math.sqrt(2 * THRESHOLD),
                          2 * LOCATE_STEP, max_rows)[0]
    top = float(first.max(axis=0).min())
    squared = 2 * (THRESHOLD - top) - decoder.n_latent * math.log(
        2 * math.pi)
    if not squared < MAX_LOCATE_LIMIT ** 2:  # Also NaN.
        squared = MAX_LOCATE_LIMIT ** 2
    log_f, grid, n, limit = _locate_terms(
        decoder, batch, max(math.sqrt(2 * THRESHOLD), math.sqrt(squared)),
        LOCATE_STEP, max_rows)
    # The box: the locate points near the peak, and a locate cell more.
    low, high = _bounds(log_f, grid, n)
    lower = xp.maximum(-limit + LOCATE_STEP * (low - 0.5), -limit)
    upper = xp.minimum(-limit + LOCATE_STEP * (high + 1.5), limit)
    return lower, upper, limit


def _refine(decoder, batch, lower, upper, limit, index, n_points, max_rows,
            tolerance):
    """Steps 3 and 4 of :func:`quadrature_log_likelihood` from the first
    boxes ``lower`` and ``upper``: ``log p(x)`` and the error."""
    xp = backend.get_array_module(batch)
    n_latent = decoder.n_latent
    lower = lower.copy()
    upper = upper.copy()
    # 3. Refine.
    index = xp.asarray(index)
    unit = (index + 0.5) / n_points
    # No finer than 16 ulps of z per cell.
    floor = 16 * n_points * float(numpy.finfo(decoder.dtype).eps)
    log_px = xp.empty(len(batch))
    spread = xp.empty(len(batch))
    box_lower = xp.empty_like(lower)
    box_width = xp.empty_like(lower)
    active = xp.arange(len(batch))
    for round_ in range(ROUNDS):
        width = upper[active] - lower[active]
        log_f = _box_terms(decoder, batch[active], lower[active], width,
                           unit, max_rows)
        log_sum = logsumexp(log_f)
        cell = width / n_points
        log_px[active] = log_sum + xp.log(cell).sum(axis=1)
        box_lower[active] = lower[active]
        box_width[active] = width
        spread[active] = _spread(log_f, log_sum, index, n_points)
        if round_ == ROUNDS - 1:
            break
        low, high = _bounds(log_f, index, n_points)
        # A side with mass near the peak in its outermost cells moves
        # out by the box's width (unless at the locate box, beyond which
        # there is none); the others close in on that mass.
        inside = limit * (1 - 1e-9)
        out_low = (low == 0) & (lower[active] > -inside)
        out_high = (high == n_points - 1) & (upper[active] < inside)
        new_lower = xp.maximum(xp.where(
            out_low, lower[active] - width,
            lower[active] + cell * (low - 1.5)), -limit)
        new_upper = xp.minimum(xp.where(
            out_high, upper[active] + width,
            lower[active] + cell * (high + 2.5)), limit)
        centre = 0.5 * (new_lower + new_upper)
        narrow = new_upper - new_lower < floor * xp.maximum(1., abs(centre))
        half = 0.5 * floor * xp.maximum(1., abs(centre))
        new_lower = xp.where(narrow, centre - half, new_lower)
        new_upper = xp.where(narrow, centre + half, new_upper)
        again = (out_low | out_high).any(axis=1) | (
            new_upper - new_lower < 0.5 * width).any(axis=1)
        lower[active] = new_lower
        upper[active] = new_upper
        active = active[again]
        if not len(active):
            break
    # 4. Resolution: against the rule of half the points per axis,
    # doubling the points while the estimate exceeds the tolerance.
    previous = _half_rule(decoder, batch, box_lower, box_width, n_points,
                          max_rows)
    spread = xp.maximum(spread, abs(previous - log_px))
    points = n_points
    for _ in range(DOUBLINGS if tolerance is not None else 0):
        active = xp.arange(len(batch))[spread > tolerance]
        if not len(active) or (2 * points) ** n_latent > 10 ** 8:
            break
        points *= 2
        index = xp.asarray(_grid_index(points, n_latent))
        log_f = _box_terms(decoder, batch[active], box_lower[active],
                           box_width[active], (index + 0.5) / points,
                           max_rows)
        log_sum = logsumexp(log_f)
        previous = log_px[active]
        log_px[active] = log_sum + xp.log(
            box_width[active] / points).sum(axis=1)
        spread[active] = xp.maximum(
            _spread(log_f, log_sum, index, points),
            abs(previous - log_px[active]))
    return log_px, _error(decoder, log_px, spread,
                          _log_prior_outside(limit, n_latent))
