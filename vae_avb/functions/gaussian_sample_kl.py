import numpy

from chainer import backend
from chainer import function_node
import chainer
import chainer.functions as F
from chainer.utils import type_check

from vae_avb.functions.first_order import check_first_order
from vae_avb.functions.fused_path import use_fused
from vae_avb.functions.gaussian_kl_divergence import gaussian_kl_divergence
from vae_avb.utils.check import check_count


class GaussianSampleKL(function_node.FunctionNode):

    """Reparameterised samples and the analytic KL, in one node."""

    def __init__(self, eps, packed=False):
        self.eps = eps
        self.packed = packed

    def check_type_forward(self, in_types):
        if self.packed:
            type_check._argname(in_types, ('mean_ln_var',))
            m_type, = in_types
            type_check.expect(m_type.dtype.kind == 'f', m_type.ndim == 2)
        else:
            type_check._argname(in_types, ('mean', 'ln_var'))
            m_type, v_type = in_types
            type_check.expect(
                m_type.dtype.kind == 'f',
                m_type.dtype == v_type.dtype,
                m_type.shape == v_type.shape,
            )

    def forward(self, inputs):
        if self.packed:
            n = inputs[0].shape[1] // 2
            mu, ln_var = inputs[0][:, :n], inputs[0][:, n:]
            self.mu = mu
        else:
            mu, ln_var = inputs
            self.retain_inputs((0,))
        xp = backend.get_array_module(mu)
        k = self.eps.shape[0] // mu.shape[0]
        sigma = ln_var * 0.5
        xp.exp(sigma, out=sigma)
        self.sigma = sigma
        # KL = 0.5 * sum(mu^2 + sigma^2 - ln_var - 1) / B
        var = sigma * sigma
        kl = 0.5 * (xp.vdot(mu.ravel(), mu.ravel()) + var.sum(dtype=mu.dtype)
                    - ln_var.sum(dtype=mu.dtype) - mu.size) / mu.shape[0]
        self.var = var
        z = self.eps.reshape((k,) + mu.shape) * sigma
        z += mu
        return z.reshape(self.eps.shape), xp.asarray(kl, dtype=mu.dtype)

    def backward(self, indexes, grad_outputs):
        check_first_order('gaussian_sample_kl')
        mu = self.mu if self.packed else \
            self.get_retained_inputs()[0].array
        gz, gkl = grad_outputs
        batch = mu.shape[0]
        k = self.eps.shape[0] // batch
        gmu = gln_var = None
        if gz is not None:
            gz = gz.array.reshape((k,) + mu.shape)
            # dz/dmu = 1, dz/dln_var = 0.5 * sigma * eps, summed over k.
            gmu = gz.sum(axis=0)
            gln_var = (gz * self.eps.reshape(gz.shape)).sum(axis=0)
            gln_var *= self.sigma
            gln_var *= 0.5
        if gkl is not None:
            scale = gkl.array / batch
            kl_mu = mu * scale
            kl_ln_var = (self.var - 1) * (0.5 * scale)
            gmu = kl_mu if gmu is None else gmu + kl_mu
            gln_var = kl_ln_var if gln_var is None else gln_var + kl_ln_var
        if self.packed:
            xp = backend.get_array_module(mu)
            return chainer.Variable(xp.concatenate((gmu, gln_var), axis=1)),
        result = (chainer.Variable(gmu), chainer.Variable(gln_var))
        return tuple(result[i] for i in indexes)


def gaussian_sample_kl(mean, ln_var=None, eps=None, k=1):
    """Samples ``z = mean + exp(ln_var / 2) * eps`` and the KL.

    Returns what :func:`chainer.functions.gaussian` (on the mean and log
    variance tiled ``k`` times) and ``vae_avb.functions.
    gaussian_kl_divergence(mean, ln_var)`` return: on the fused path from
    one function node with an analytic gradient (first-order only), on
    the reference path from that composition, with the same draws.

    Args:
        mean (chainer.Variable or array): ``(B, n)``; or, when ``ln_var``
            is ``None``, ``(B, 2n)`` holding the mean and then the log
            variance (the output of
            :meth:`~vae_avb.links.GaussianEncoder.forward_packed`), which
            saves the split and its backward node.
        ln_var (chainer.Variable or array): ``(B, n)``, log variances.
        eps (array or None): ``(k * B, n)`` standard normal noise, the
            ``l``-th sample of every example in rows ``l * B`` to
            ``(l + 1) * B``; drawn as :func:`chainer.functions.gaussian`
            draws it when ``None``.
        k (int): Samples per example when ``eps`` is ``None``.

    Returns:
        tuple: ``z`` of shape ``(k * B, n)`` and the KL in nats per example
        (a scalar).

    Raises:
        ValueError: The shapes do not fit.
        TypeError: ``eps`` is not of ``mean``'s dtype.
        chainer.utils.type_check.InvalidType: ``mean`` is not a float
            array or ``ln_var`` is not of its dtype (as Chainer's
            functions report it on the reference path).
    """
    if eps is None:
        k = check_count(k, 'k', 'gaussian_sample_kl')
    packed = ln_var is None
    if packed:
        if len(mean.shape) != 2 or mean.shape[1] % 2:
            raise ValueError(
                'gaussian_sample_kl: a packed input must be (batch, '
                '2 * n_latent), got shape {}'.format(tuple(mean.shape)))
        n = mean.shape[1] // 2
    elif mean.shape != ln_var.shape or len(mean.shape) != 2:
        raise ValueError(
            'gaussian_sample_kl: mean has shape {} and ln_var {}; both must '
            'be (batch, n_latent)'.format(
                tuple(mean.shape), tuple(ln_var.shape)))
    else:
        n = mean.shape[1]
    shape = (k * mean.shape[0], n)
    if eps is None:
        eps = draw_standard_normal(backend.get_array_module(mean), shape,
                                   mean.dtype)
    elif eps.shape[1:] != shape[1:] or eps.shape[0] % mean.shape[0]:
        raise ValueError(
            'gaussian_sample_kl: eps has shape {}; expected (k * {}, {})'
            .format(tuple(eps.shape), mean.shape[0], n))
    elif eps.dtype != mean.dtype and numpy.dtype(mean.dtype).kind == 'f':
        raise TypeError(
            'gaussian_sample_kl: eps has dtype {} but mean {}; pass eps in '
            'mean\'s dtype, e.g. eps.astype(numpy.{})'.format(
                numpy.dtype(eps.dtype).name, numpy.dtype(mean.dtype).name,
                numpy.dtype(mean.dtype).name))
    if not use_fused():
        if packed:
            mean, ln_var = F.split_axis(mean, 2, axis=1)
        kl = gaussian_kl_divergence(mean, ln_var)
        if eps.shape[0] > mean.shape[0]:
            # One pass over k * B rows instead of a Python loop over k.
            reps = (eps.shape[0] // mean.shape[0], 1)
            mean, ln_var = F.tile(mean, reps), F.tile(ln_var, reps)
        return F.gaussian(mean, ln_var, eps=eps), kl
    if packed:
        return GaussianSampleKL(eps, packed=True).apply((mean,))
    return GaussianSampleKL(eps).apply((mean, ln_var))


def draw_standard_normal(xp, shape, dtype):
    """Draws ``N(0, 1)`` noise from the global random state, as
    :func:`chainer.functions.gaussian` does on CPU and GPU."""
    if xp is numpy:
        return numpy.random.standard_normal(shape).astype(dtype, copy=False)
    return xp.random.standard_normal(shape, dtype=dtype)
