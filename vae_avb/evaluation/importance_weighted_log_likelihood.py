import math

import numpy

import chainer
from chainer import backend

from vae_avb.evaluation.inputs import as_real_array
from vae_avb.evaluation.log_weights import log_likelihood_terms
from vae_avb.evaluation.log_weights import log_normal
from vae_avb.evaluation.log_weights import logsumexp
from vae_avb.evaluation.log_weights import NonFiniteEstimateError
from vae_avb.utils import check_count
from vae_avb.utils import check_rows
from vae_avb.utils import check_values


def importance_weighted_log_likelihood(vae, x, k=5000, batch_size=100,
                                       max_rows=50000):
    """Importance-sampled estimate of ``log p(x)`` for each example.

    The bound of Burda et al. 2015 (IWAE), Eq. (8), with the encoder as the
    proposal::

        log p(x) ~ log (1/k) sum_i p(x|z_i) p(z) / q(z_i|x),  z_i ~ q(z|x)

    It is a lower bound in expectation that tightens as ``k`` grows and
    equals the ELBO in expectation at ``k = 1``. Draws use the global
    random state of the array module.

    Args:
        vae (vae_avb.links.VAE): The model.
        x (array): Data ``(N, D)`` in ``[0, 1]``, on the model's device or
            on the host (copied batch by batch).
        k (int): Importance samples per example (the IWAE paper uses 5000).
        batch_size (int): Examples encoded at once.
        max_rows (int): Largest number of decoder rows in one pass; the
            ``k`` samples are split into chunks to respect it.

    Returns:
        numpy.ndarray: ``log p(x)`` estimates, shape ``(N,)``, float64, in
        nats.
    """
    where = 'importance_weighted_log_likelihood'
    if not (hasattr(vae, 'encode') and hasattr(vae, 'decoder')):
        raise TypeError('{}: vae must be the whole model (a VAE, with encode '
                        'and a decoder), got {}; the arguments are (vae, x, '
                        'k, ...)'.format(where, type(vae).__name__))
    # A Variable's array; a list or tuple of examples as float32.
    x = as_real_array(x, 'x', where)
    k, batch_size, max_rows = (check_count(value, name, where)
                               for name, value in (('k', k),
                                                   ('batch_size', batch_size),
                                                   ('max_rows', max_rows)))
    check_rows(x, 'x', where)
    check_values(x, 'x', 'importance_weighted_log_likelihood',
                 unit_interval=True)
    device = vae.device
    results = []
    for start in range(0, len(x), batch_size):
        batch = device.send(x[start:start + batch_size])
        results.append(backend.CpuDevice().send(
            _batch_estimate(vae, batch, k, max_rows)))
        bad = numpy.isnan(results[-1])
        if bad.any():
            raise NonFiniteEstimateError(
                '{}: the estimate is NaN for {} of the examples {} to {}: '
                '{}'.format(where, int(bad.sum()), start,
                            start + len(bad) - 1, _nan_cause(vae)))
    return numpy.concatenate(results)


def _nan_cause(vae):
    dtype = min((numpy.dtype(link.dtype) for link in (
        getattr(vae, 'encoder', None), vae.decoder)
        if hasattr(link, 'dtype')), key=lambda d: d.itemsize)
    if dtype.itemsize < 4:
        return ('the model\'s {} overflows (its largest number is {:g}) '
                'in the codes or the decoder; build the model in float32 '
                '(chainer.config.dtype) to evaluate it'.format(
                    dtype.name, float(numpy.finfo(dtype).max)))
    return ('the model gives NaN (NaN weights, or codes so large that its '
            'decoder overflows {}); check the model'.format(dtype.name))


def _batch_estimate(vae, x, k, max_rows):
    xp = backend.get_array_module(x)
    with chainer.no_backprop_mode(), chainer.using_config('train', False):
        mu, ln_var = vae.encode(x)
    mu = mu.array.astype(xp.float64)
    ln_var = ln_var.array.astype(xp.float64)
    chunk = max(1, max_rows // len(x))
    log_weights = []
    for done in range(0, k, chunk):
        eps = xp.random.standard_normal((min(chunk, k - done),) + mu.shape)
        z = mu + xp.exp(0.5 * ln_var) * eps
        log_q = log_normal(z, mu, ln_var)
        log_weights.append(
            log_likelihood_terms(vae.decoder, x, z) - log_q)
    return logsumexp(xp.concatenate(log_weights)) - math.log(k)
