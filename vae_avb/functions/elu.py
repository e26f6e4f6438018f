"""Chainer's ELU with a CPU forward and backward of whole-array NumPy
operations.

Chainer's CPU ELU selects the negative inputs by boolean indexing
(``y[y <= 0] = alpha * expm1(y[y <= 0])``) and its gradient likewise
(``gx[cond > 0] = 1``): on the AVB authors' convolutional encoders, where
every layer is an ELU, that indexing took a third of a training step on
this project's 2-core machine. The nodes here are Chainer's own
(:class:`chainer.functions.activation.elu.ELU` and ``ELUGrad``,
subclassed): the GPU kernels, the backward graph and double
backpropagation are Chainer's, and the CPU passes give the same bits,
signed zeros and NaNs included (tests compare them with Chainer's).
"""
import numpy

import chainer.functions as F
from chainer.functions.activation import elu as chainer_elu
from chainer.utils import force_array

from vae_avb.functions.fused_path import use_fused


class ELU(chainer_elu.ELU):

    """Chainer's ELU node whose CPU forward avoids boolean indexing."""

    def forward_cpu(self, inputs):
        if self.alpha < 0:
            self.retain_inputs((0,))
        x, = inputs
        # expm1 where x <= 0 (Chainer's set: -0.0 included), of 0
        # elsewhere (large x do not overflow), then x copied back where
        # not (NaN included, as Chainer's copy of x keeps it).
        negative = force_array(x <= 0)
        y = force_array(numpy.where(negative, x, x.dtype.type(0)))
        numpy.expm1(y, out=y)
        if self.alpha != 1:
            # Chainer's ``alpha * expm1(...)``: the Python float is taken
            # in the array's dtype.
            numpy.multiply(y, self.alpha, out=y, casting='same_kind')
        numpy.logical_not(negative, out=negative)
        numpy.copyto(y, x, where=negative)
        self.retain_outputs((0,))
        return y,

    def backward(self, indexes, grad_outputs):
        y, = self.get_retained_outputs()
        if self.alpha < 0:
            cond, = self.get_retained_inputs()
        else:
            cond = y
        gy, = grad_outputs
        return ELUGrad(self.alpha, cond.array).apply((y,))[0] * gy,


class ELUGrad(chainer_elu.ELUGrad):

    """Chainer's ELU gradient node whose CPU forward avoids boolean
    indexing."""

    def forward_cpu(self, inputs):
        y, = inputs
        gx = force_array(y + y.dtype.type(self.alpha))
        numpy.copyto(gx, y.dtype.type(1), where=self.cond > 0)
        return gx,


def elu(x, alpha=1.0):
    """``F.elu(x, alpha)``: ``x`` where ``x > 0``, else ``alpha *
    (exp(x) - 1)``, with the CPU passes of this module (the reference
    path, :func:`~vae_avb.functions.reference_path`: Chainer's own)."""
    if not use_fused():
        return F.elu(x, alpha)
    return ELU(alpha=alpha).apply((x,))[0]
