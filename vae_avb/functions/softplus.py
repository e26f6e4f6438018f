"""Chainer's softplus with a CPU forward and backward of fewer, in-place
NumPy passes.

Chainer's CPU softplus computes ``(fmax(b x, 0) + log1p(exp(-fabs(b x))))
/ b`` in eight passes with a temporary each, and NumPy's ``fabs`` of
float32 runs about three times slower than ``abs``; its gradient makes
four temporaries. The authors' decoder for MNIST (Table 2) is softplus
throughout, and its AIS runs the decoder's forward and backward at every
leapfrog step. The nodes here are Chainer's own
(:class:`chainer.functions.activation.softplus.Softplus` and
``SoftplusGrad``, subclassed): GPU kernels, the backward graph and
double backpropagation are Chainer's, and for ``beta`` 1 the CPU passes
are Chainer's operations in its order (a sum's terms swapped), so the
values are Chainer's bit for bit (tests compare them); other ``beta``,
0-d arrays and a gradient of another dtype run Chainer's own CPU
passes.
"""
import numpy

import chainer.functions as F
from chainer.functions.activation import softplus as chainer_softplus
from chainer.utils import force_array

from vae_avb.functions.fused_path import use_fused


class Softplus(chainer_softplus.Softplus):

    """Chainer's softplus node; with ``beta`` 1 its CPU forward is
    ``log1p(exp(-|x|)) + max(x, 0)`` in place."""

    def forward_cpu(self, inputs):
        if self.beta != 1 or inputs[0].ndim == 0:
            # (NumPy 1 computes Chainer's ``beta * x`` of a 0-d array in
            # float64: its own passes give its bits.)
            return super(Softplus, self).forward_cpu(inputs)
        self.retain_inputs((0,))
        x, = inputs
        y = force_array(numpy.abs(x))
        numpy.negative(y, out=y)
        numpy.exp(y, out=y)
        numpy.log1p(y, out=y)
        y += numpy.maximum(x, x.dtype.type(0))
        return y,

    def backward(self, indexes, grad_outputs):
        x = self.get_retained_inputs()[0]
        gy, = grad_outputs
        return SoftplusGrad((self.beta,)).apply((x, gy))


class SoftplusGrad(chainer_softplus.SoftplusGrad):

    """Chainer's softplus gradient node; with ``beta`` 1 its CPU forward
    is Chainer's ``(1 - 1 / (1 + exp(x))) * gy`` in place."""

    def forward_cpu(self, inputs):
        x, gy = inputs
        if self.beta != 1 or gy.dtype != x.dtype or x.ndim == 0:
            return super(SoftplusGrad, self).forward_cpu(inputs)
        self.retain_inputs((0, 1))
        # exp overflows to inf for x above ~88 (float32), and the
        # gradient is then exactly 1: no warning for it.
        with numpy.errstate(over='ignore'):
            gx = force_array(numpy.exp(x))
        gx += x.dtype.type(1)
        numpy.divide(x.dtype.type(1), gx, out=gx)
        numpy.subtract(x.dtype.type(1), gx, out=gx)
        gx *= gy
        return gx,

    def backward(self, indexes, grad_outputs):
        # Chainer's, with this module's gradient node.
        x, gy = self.get_retained_inputs()
        ggx, = grad_outputs
        e = F.exp(self.beta * x)
        gx = ggx * gy * self.beta * e / (1 + e) ** 2
        ggy = SoftplusGrad((self.beta,)).apply((x, ggx))[0]
        return gx, ggy


def softplus(x, beta=1.0):
    """``F.softplus(x, beta)``: ``log(1 + exp(beta x)) / beta``, with the
    CPU passes of this module (the reference path,
    :func:`~vae_avb.functions.reference_path`: Chainer's own)."""
    if not use_fused():
        return F.softplus(x, beta)
    return Softplus(beta=beta).apply((x,))[0]
