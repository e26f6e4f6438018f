import math
import os
import sys
import time

import chainer
from chainer import backend
import chainer.functions as F
import numpy

from vae_avb.evaluation.ais_checkpoint import AISProgress
from vae_avb.evaluation.ais_checkpoint import data_fingerprint
from vae_avb.evaluation.ais_checkpoint import fingerprints
from vae_avb.evaluation.ais_checkpoint import restore_random_state
from vae_avb.evaluation.inputs import as_real_array
from vae_avb.evaluation.log_weights import logsumexp
from vae_avb.evaluation.log_weights import NonFiniteEstimateError
from vae_avb.utils.check import check_count
from vae_avb.utils.check import check_positive
from vae_avb.utils.check import check_rows
from vae_avb.utils.check import check_values

_HALF_LOG_2PI = 0.5 * math.log(2 * math.pi)
# The most temperatures an estimate takes.
MAX_TEMPERATURES = 10 ** 7


class _Target(object):

    """``log f(z) = log p(z) + log p(x|z)`` and its gradient in ``z``.

    The decoder's parameters enter as constants
    (:meth:`~vae_avb.links.BernoulliDecoder.log_likelihood`), so the
    gradient reaches ``z`` only and no parameter gradient is touched.
    """

    def __init__(self, decoder, x_rows):
        self.decoder = decoder
        self.x_rows = x_rows
        self.evaluations = 0

    def __call__(self, z):
        self.evaluations += 1
        zv = chainer.Variable(z)
        with chainer.using_config('train', False), \
                chainer.using_config('type_check', False), \
                chainer.force_backprop_mode():
            log_px = self.decoder.log_likelihood(self.x_rows, zv)
            log_f = log_px - 0.5 * F.sum(zv * zv, axis=1)
            grad, = chainer.grad([F.sum(log_f)], [zv])
        xp = backend.get_array_module(z)
        value = log_f.array.astype(xp.float64) - z.shape[1] * _HALF_LOG_2PI
        return value, grad.array


def ais_log_likelihood(decoder, x, n_temperatures=2000, n_leapfrog=10,
                       step_size=0.01, n_chains=8, start=None,
                       batch_size=100, adapt_step_size=True,
                       target_acceptance=0.65, return_acceptance=False,
                       progress=False, checkpoint=None, checkpoint_every=60.):
    """Estimates ``log p(x)`` by annealed importance sampling (Neal 2001).

    The AVB paper's evaluation (Mescheder et al. 2017, Section 6.2 and its
    code): ``n_chains`` chains per example go from a start distribution
    ``q0(z)`` to the posterior ``p(z|x)`` through the geometric path
    ``q0(z)^(1 - b) (p(z) p(x|z))^b`` with ``n_temperatures`` linearly
    spaced ``b`` in ``(0, 1]``, one Hamiltonian Monte Carlo step (of
    ``n_leapfrog`` leapfrog steps and a Metropolis test) at each. The
    leapfrog runs in the start distribution's whitened coordinates, that
    is with the step size scaled by its standard deviation per dimension.
    The importance weights give, per example,
    ``log p(x) ~ log mean_c exp(log w_c)``, a stochastic lower bound in
    expectation (Jensen) that tightens with more temperatures.

    With ``adapt_step_size`` (the default) each chain's step is multiplied
    by 1.02 after an HMC step whose acceptance probability exceeded
    ``target_acceptance`` and by 0.98 otherwise (the rule of Wu et al.
    2017's AIS code); ``step_size`` is then only where it starts. The
    authors kept the step fixed at 0.01 (``adapt_step_size=False``), so
    short that nearly every move is accepted (acceptance above 0.999) and
    the chains barely move: the estimate lags behind the posterior.
    Measured against an exact ``log p(x)`` at 500 temperatures: on 200
    MNIST test images of a 2-D VAE, 0.53 nats low with the fixed step,
    0.11 with adaptation; on the small trained model of
    ``tests/evaluation_tests/test_exact_defaults.py``, 0.74 to 1.06 nats
    low (2 to 3 where the posterior lies beyond ``|z| = 5``) against 0.03
    to 0.19 (eight seeds). The adaptation follows each chain's own past,
    so the kernels are not fixed in advance as AIS assumes; on that
    model no bias of ``exp`` of the estimate was measurable (4000 chains
    per image: the log of their mean weight within two standard errors,
    0.03 to 0.05 nats, of ``log p(x)``).

    Args:
        decoder (vae_avb.links.BernoulliDecoder): ``p(x|z)`` (prior
            ``N(0, I)``).
        x (array): Binary data ``(N, D)`` on the decoder's device.
        n_temperatures (int): Annealing steps (authors: 2000).
        n_leapfrog (int): Leapfrog steps per HMC step (authors: 10).
        step_size (float): Leapfrog step in units of the start
            distribution's standard deviation (authors: 0.01, fixed); with
            ``adapt_step_size``, each chain's first step.
        n_chains (int): Chains per example (authors: 8).
        start (tuple or None): ``(mean, std)`` arrays ``(N, n_latent)`` of
            a diagonal Gaussian start distribution (the authors start the
            VAE and AVB+AC from the encoder's Gaussian); ``None`` starts
            from the prior ``N(0, I)`` (the authors' choice for AVB).
        batch_size (int): Examples per batch (``n_chains`` rows each).
        adapt_step_size (bool): Adapt each chain's step (see above; off:
            the authors' fixed step).
        target_acceptance (float): Acceptance rate the adaptation aims at.
        return_acceptance (bool): Also return the mean acceptance rate
            (near 1: the step is too short for the chains to move).
        progress (bool): Print one line per batch to stderr.
        checkpoint (str or None): A progress file (``.npz``): the estimate
            writes its state there, every ``checkpoint_every`` seconds and
            after each batch, and a call that finds the file of the same
            estimate (same settings, decoder weights, images, start and,
            on the CPU, NumPy's random state at the call) goes on from it,
            with its random state. On the CPU the result is then
            bit-identical to a call never interrupted; on a GPU (whose
            random state is not saved) it is an estimate of the same
            quantity with other draws. The file is kept, finished.
        checkpoint_every (float): Seconds between two writes of the
            progress file inside a batch (0: after every temperature).

    Returns:
        numpy.ndarray: ``log p(x)`` estimates, shape ``(N,)``, float64
        (with ``return_acceptance``: a tuple with the acceptance rate).
    """
    where = 'ais_log_likelihood'
    # A Variable's array; a list or tuple of examples as float32.
    x = as_real_array(x, 'x', where)
    n_leapfrog, n_chains, batch_size = (
        check_count(value, name, where) for name, value in (
            ('n_leapfrog', n_leapfrog), ('n_chains', n_chains),
            ('batch_size', batch_size)))
    # Every temperature's beta is built at once (8 bytes each), and each
    # takes n_leapfrog decoder passes: 10^7 is beyond any estimate's time.
    n_temperatures = check_count(n_temperatures, 'n_temperatures', where,
                                 maximum=MAX_TEMPERATURES)
    step_size = check_positive(step_size, 'step_size', where)
    for name, flag in (('adapt_step_size', adapt_step_size),
                       ('return_acceptance', return_acceptance),
                       ('progress', progress)):
        if not isinstance(flag, (bool, numpy.bool_)):
            raise TypeError('{}: {} must be True or False, got {!r}'.format(
                where, name, flag))
    check_positive(target_acceptance, 'target_acceptance', where, upper=1)
    if checkpoint is not None:
        if not isinstance(checkpoint, (str, os.PathLike)) or \
                not os.fspath(checkpoint):
            raise TypeError('{}: checkpoint must be a file path or None, got '
                            '{!r}'.format(where, checkpoint))
        folder = os.path.dirname(os.path.abspath(checkpoint))
        if not os.path.isdir(folder):
            raise ValueError('{}: the folder of checkpoint {} does not exist; '
                             'create it or give another path'.format(
                                 where, os.fspath(checkpoint)))
    if isinstance(checkpoint_every, bool) or not isinstance(
            checkpoint_every, (int, float, numpy.integer, numpy.floating)):
        raise TypeError('{}: checkpoint_every must be a number of seconds, '
                        'got {!r}'.format(where, checkpoint_every))
    if not checkpoint_every >= 0 or math.isinf(checkpoint_every):
        raise ValueError('{}: checkpoint_every must be a finite number of '
                         'seconds, 0 or more, got {!r}'.format(
                             where, checkpoint_every))
    if x.ndim != 2 or x.shape[1] != decoder.n_out:
        raise ValueError(
            'ais_log_likelihood: x has shape {}; pass (N, {}) data'.format(
                tuple(x.shape), decoder.n_out))
    check_rows(x, 'x', where)
    check_values(x, 'x', where, unit_interval=True)
    n, n_latent = x.shape[0], decoder.n_latent
    xp = backend.get_array_module(x)
    if start is not None:
        # As the batches use it (and as fingerprinted).
        start = _checked_start(start, n, n_latent, decoder.dtype, xp)
    results = []
    accepted = total = first = 0
    keeper = saved = None
    if checkpoint is not None:
        settings = (n, n_latent, n_temperatures, n_leapfrog,
                    float(step_size).hex(), n_chains, batch_size,
                    bool(adapt_step_size), float(target_acceptance).hex(),
                    start is None, numpy.dtype(decoder.dtype).str)
        # The images as the estimate uses them: the same values in
        # another dtype are the same estimate.
        # Files written before 2026-12-06 fingerprinted them as passed.
        also = None if x.dtype == decoder.dtype else {
            'data': data_fingerprint(x)}
        keeper = AISProgress(os.fspath(checkpoint), fingerprints(
            decoder, xp.asarray(x, dtype=decoder.dtype), start, settings,
            xp), checkpoint_every, also, start)
        saved = keeper.load(n, n_latent, n_temperatures, n_chains,
                            batch_size, decoder.dtype, start is None)
        keeper.remove_temporaries()
    if saved is not None:
        results.append(saved['log_px'])
        accepted, total = float(saved['acceptance']), int(saved['batches'])
        first = len(saved['log_px'])
        restore_random_state(saved)
        if progress:
            sys.stderr.write('AIS: going on from {}: {}/{} examples done{}\n'
                             .format(os.fspath(checkpoint), first, n, (
                                 ', the next batch at temperature {}/{}'
                                 .format(int(saved['temperature']),
                                         n_temperatures)
                                 if 'temperature' in saved else '')))
    elif keeper is not None:
        keeper.finished(numpy.zeros(0), 0, 0.)
    began = time.time()
    for i in range(first, n, batch_size):
        if start is None:
            batch_start = None
        else:
            batch_start = (start[0][i:i + batch_size],
                           start[1][i:i + batch_size])
        log_px, acc = _ais_batch(
            decoder, x[i:i + batch_size], n_temperatures, n_leapfrog,
            step_size, n_chains, batch_start, adapt_step_size,
            target_acceptance, keeper,
            saved if i == first and saved is not None and
            'temperature' in saved else None)
        results.append(backend.CpuDevice().send(log_px))
        bad = numpy.isnan(results[-1])
        if bad.any():
            raise NonFiniteEstimateError(
                '{}: the estimate is NaN for {} of the examples {} to {}: '
                '{}'.format(where, int(bad.sum()), i, i + len(bad) - 1,
                            _nan_cause(decoder.dtype)))
        accepted += acc
        total += 1
        if keeper is not None:
            keeper.finished(numpy.concatenate(results), total, accepted)
        if progress:
            done = min(i + batch_size, n)
            sys.stderr.write(
                'AIS: {}/{} examples, mean log p(x) {:.3f}, acceptance '
                '{:.2f}, {:.0f} s\n'.format(
                    done, n, float(numpy.concatenate(results).mean()),
                    accepted / total, time.time() - began))
    log_px = numpy.concatenate(results)
    if return_acceptance:
        return log_px, accepted / total
    return log_px


def _nan_cause(dtype):
    """Why the decoder gave a NaN estimate, and the fix."""
    dtype = numpy.dtype(dtype)
    if dtype.itemsize < 4:
        return ('the decoder\'s {} overflows (its largest number is {:g}); '
                'build the decoder in float32 (chainer.config.dtype) to '
                'evaluate it'.format(dtype.name,
                                     float(numpy.finfo(dtype).max)))
    return ('the decoder gives NaN (NaN weights, or codes so large that it '
            'overflows {}); check its weights'.format(dtype.name))


def _checked_start(start, n, n_latent, dtype, xp):
    """``start`` ``(mean, std)`` as arrays of the decoder's ``dtype``,
    checked after the cast: finite, ``std`` above 0 and ``|z|`` near the
    start small enough for the decoder's ``z * z``.

    Raises:
        TypeError: ``start`` is not a pair of arrays of real numbers.
        ValueError: One line naming what is wrong and the fix.
    """
    where = 'ais_log_likelihood'
    if not isinstance(start, (tuple, list)) or len(start) != 2:
        raise TypeError('{}: start must be None or a pair (mean, std) of '
                        'arrays {}, got {}'.format(
                            where, (n, n_latent),
                            type(start).__name__ if not isinstance(
                                start, (tuple, list)) else
                            'a {} of {}'.format(type(start).__name__,
                                                len(start))))
    mean, std = (as_real_array(a, 'start ' + name, where,
                               'an array {}'.format((n, n_latent)))
                 for name, a in zip(('mean', 'std'), start))
    for name, a in (('mean', mean), ('std', std)):
        if tuple(a.shape) != (n, n_latent):
            raise ValueError(
                'ais_log_likelihood: start {} has shape {}; it must be '
                '{} (one row per example of x)'.format(
                    name, tuple(a.shape), (n, n_latent)))
    check_values(mean, 'start mean', where)
    check_values(std, 'start std', where)
    if not bool((std > 0).all()):
        raise ValueError('ais_log_likelihood: start std must be above 0 '
                         'everywhere, found {:g}; pass standard '
                         'deviations, not log-variances'.format(
                             float(std.min())))
    with numpy.errstate(over='ignore', under='ignore'):  # Checked below.
        mean, std = (xp.asarray(a, dtype=dtype) for a in (mean, std))
    info = numpy.finfo(dtype)
    name = numpy.dtype(dtype).name
    for what, a in (('mean', mean), ('std', std)):
        if not bool(xp.isfinite(a).all()):
            raise ValueError(
                '{}: start {} holds values beyond the decoder\'s {} (whose '
                'largest number is {:g}); pass a start of the data\'s '
                'scale'.format(where, what, name, float(info.max)))
    if not bool((std > 0).all()):
        raise ValueError(
            '{}: start std holds values below the smallest {} ({:g}), '
            'which round to 0; pass larger standard deviations'.format(
                where, name, float(info.smallest_subnormal)))
    # z = mean + std u, u of about 1 at first: z * z must stay finite.
    reach = float(xp.max(xp.abs(mean.astype(xp.float64)) +
                         std.astype(xp.float64)))
    if not reach < math.sqrt(float(info.max)):
        raise ValueError(
            '{}: the start reaches |z| = {:g} (|mean| + std), whose square '
            'overflows the decoder\'s {} (beyond {:g}); pass a start of the '
            'prior\'s scale{}'.format(
                where, reach, name, math.sqrt(float(info.max)),
                '' if info.bits >= 32 else ', or build the decoder in '
                'float32'))
    return mean, std


def _ais_batch(decoder, x, n_temperatures, n_leapfrog, step_size,
               n_chains, start, adapt, target_acceptance, keeper=None,
               resume=None):
    # keeper: the progress file (or None); resume: its saved state of this
    # batch, to go on from.
    xp = backend.get_array_module(x)
    dtype = decoder.dtype
    batch, n_latent = x.shape[0], decoder.n_latent
    rows = n_chains * batch
    # Row c B + b is chain c of example b.
    x_rows = xp.tile(xp.asarray(x, dtype=dtype), (n_chains, 1))
    if start is None:
        mean = xp.zeros((rows, n_latent), dtype)
        std = xp.ones((rows, n_latent), dtype)
    else:
        mean = xp.tile(xp.asarray(start[0], dtype=dtype), (n_chains, 1))
        std = xp.tile(xp.asarray(start[1], dtype=dtype), (n_chains, 1))
    log_std_sum = xp.log(std.astype(xp.float64)).sum(axis=1)
    target = _Target(decoder, x_rows)

    def log_q0(u):
        # The start density at z = mean + std u, per row.
        return (-0.5 * (u.astype(xp.float64) ** 2).sum(axis=1)
                - log_std_sum - n_latent * _HALF_LOG_2PI)

    betas = numpy.linspace(0., 1., n_temperatures + 1)
    if resume is None:
        # Positions in whitened coordinates u = (z - mean) / std.
        u = xp.random.standard_normal((rows, n_latent)).astype(dtype)
        log_f, grad_z = target(mean + std * u)
        log_w = xp.zeros(rows, xp.float64)
        steps = xp.full((rows, 1), step_size, dtype)
        acceptance, first = 0., 1
    else:
        u, log_f, grad_z, log_w, steps = (xp.asarray(resume[key]) for key in (
            'u', 'log_f', 'grad_z', 'log_w', 'steps'))
        acceptance = float(resume['batch_acceptance'])
        first = int(resume['temperature']) + 1
    for t in range(first, n_temperatures + 1):
        # Python floats: NumPy 2 would otherwise promote float32 to float64.
        beta, previous = float(betas[t]), float(betas[t - 1])
        lq = log_q0(u)
        log_w += (beta - previous) * (log_f - lq)

        # HMC leaving q0^(1 - beta) f^beta invariant; U = -log of it.
        def energy(lf, lq_):
            return -((1 - beta) * lq_ + beta * lf)

        def grad_u(gz, u_):
            # d(-U)/du: the start density contributes -u, f contributes
            # std * grad_z.
            return (1 - beta) * (-u_) + beta * std * gz

        p = xp.random.standard_normal((rows, n_latent)).astype(dtype)
        energy0 = energy(log_f, lq) + 0.5 * (
            p.astype(xp.float64) ** 2).sum(axis=1)
        u_new = u
        lf_new, gz_new = log_f, grad_z
        p_new = p + 0.5 * steps * grad_u(gz_new, u_new)
        for step in range(n_leapfrog):
            u_new = u_new + steps * p_new
            lf_new, gz_new = target(mean + std * u_new)
            scale = 1. if step < n_leapfrog - 1 else 0.5
            p_new = p_new + scale * steps * grad_u(gz_new, u_new)
        energy1 = energy(lf_new, log_q0(u_new)) + 0.5 * (
            p_new.astype(xp.float64) ** 2).sum(axis=1)
        log_accept = energy0 - energy1
        log_accept = xp.where(xp.isnan(log_accept), -xp.inf, log_accept)
        accept = xp.log(xp.random.uniform(size=rows)) < log_accept
        acceptance += float(accept.mean())
        u = xp.where(accept[:, None], u_new, u)
        log_f = xp.where(accept, lf_new, log_f)
        grad_z = xp.where(accept[:, None], gz_new, grad_z)
        if adapt:
            prob = xp.exp(xp.minimum(log_accept, 0.))
            steps = steps * xp.where(prob > target_acceptance, 1.02,
                                     0.98).astype(dtype)[:, None]
        if keeper is not None and t < n_temperatures:
            keeper.save({'temperature': t, 'batch_acceptance': acceptance,
                         'u': u, 'log_f': log_f, 'grad_z': grad_z,
                         'log_w': log_w, 'steps': steps})
    log_w = log_w.reshape(n_chains, batch)
    log_px = logsumexp(log_w, axis=0) - math.log(n_chains)
    return log_px, acceptance / n_temperatures
