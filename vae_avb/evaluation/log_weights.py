import math

import numpy

import chainer
from chainer import backend

from vae_avb.functions import bernoulli_nll


class NonFiniteEstimateError(ValueError):
    """An estimate of ``log p(x)`` came out NaN (an overflow of the
    model's dtype, or NaN weights): raised instead of returning it."""


def log_normal(z, mean=0., ln_var=0.):
    """Log density of a diagonal Gaussian, summed over the last axis."""
    xp = backend.get_array_module(z)
    return -0.5 * (((z - mean) ** 2) * xp.exp(-ln_var) + ln_var
                   + math.log(2 * math.pi)).sum(axis=-1)


def logsumexp(a, axis=0):
    """``log sum exp(a)`` along ``axis``, shifted by the maximum.

    A slice of ``-inf`` only (every weight zero) gives ``-inf``, one
    holding ``+inf`` gives ``+inf`` and one holding NaN (without ``+inf``)
    NaN; elsewhere the maximum is the shift.
    """
    xp = backend.get_array_module(a)
    top = a.max(axis=axis)
    # No shift where the maximum is not finite: -inf - -inf would be NaN.
    shift = xp.where(xp.isfinite(top), top, 0)
    if xp is numpy:
        # log(0) = -inf is wanted, and exp overflows only beside +inf.
        with numpy.errstate(divide='ignore', over='ignore'):
            return shift + numpy.log(numpy.exp(
                a - numpy.expand_dims(shift, axis)).sum(axis=axis))
    return shift + xp.log(xp.exp(a - xp.expand_dims(shift, axis)).sum(
        axis=axis))


def log_likelihood_terms(decoder, x, z):
    """``log p(x|z) + log p(z)`` for ``z`` of shape ``(S, B, n_latent)``.

    Every one of the ``S`` codes of example ``b`` is scored against
    ``x[b]``; the decoder sees one batch of ``S * B`` rows.

    Returns:
        array: Shape ``(S, B)``, float64.
    """
    xp = backend.get_array_module(z)
    n_samples, batch_size, n_latent = z.shape
    flat = z.reshape(n_samples * batch_size, n_latent)
    with chainer.no_backprop_mode(), \
            chainer.using_config('train', False), \
            chainer.using_config('type_check', False):
        logits = decoder.decode(flat.astype(decoder.dtype, copy=False))
        x_rows = xp.broadcast_to(x, (n_samples,) + x.shape).reshape(
            n_samples * batch_size, -1)
        log_px = -bernoulli_nll(x_rows, logits, reduce='no').array
    log_px = log_px.astype(xp.float64).reshape(n_samples, batch_size)
    return log_px + log_normal(z.astype(xp.float64))
