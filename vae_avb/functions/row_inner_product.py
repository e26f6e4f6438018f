import math
import numbers

import chainer
from chainer import backend
import chainer.functions as F
from chainer import function_node
from chainer.utils import type_check

from vae_avb.functions.first_order import check_first_order
from vae_avb.functions.fused_path import use_fused


class RowInnerProduct(function_node.FunctionNode):

    def __init__(self, scale):
        self.scale = scale

    def check_type_forward(self, in_types):
        type_check._argname(in_types, ('a', 'b'))
        a_type, b_type = in_types
        type_check.expect(
            a_type.dtype.kind == 'f',
            a_type.dtype == b_type.dtype,
            a_type.ndim == 2,
            b_type.ndim == 2,
        )
        type_check.expect(a_type.shape[1] == b_type.shape[1])

    def forward(self, inputs):
        self.retain_inputs((0, 1))
        a, b = inputs
        xp = backend.get_array_module(a)
        if a.shape == b.shape:
            t = xp.einsum('ij,ij->i', a, b)
        else:
            # b holds k groups of len(a) rows, each paired with a (k
            # written out: -1 cannot be inferred when n is 0).
            rows, n = a.shape
            t = xp.einsum('kij,ij->ki', b.reshape(len(b) // rows, rows, n),
                          a).reshape(-1)
        t *= self.scale
        return t,

    def backward(self, indexes, grad_outputs):
        check_first_order('row_inner_product')
        a, b = [v.array for v in self.get_retained_inputs()]
        g = grad_outputs[0].array[:, None] * self.scale
        result = []
        if a.shape == b.shape:
            if 0 in indexes:
                result.append(b * g)
            if 1 in indexes:
                result.append(a * g)
        else:
            rows, n = a.shape
            g = g.reshape(-1, rows, 1)
            if 0 in indexes:
                result.append((b.reshape(len(b) // rows, rows, n)
                               * g).sum(axis=0))
            if 1 in indexes:
                result.append((a * g).reshape(b.shape))
        return tuple(chainer.Variable(r) for r in result)


def row_inner_product(a, b, scale=1.0):
    """``scale * sum(a * b, axis=1)``.

    What ``F.sum(a * b, axis=1) * scale`` computes: on the fused path as a
    single function node (three in the composition; first-order gradients
    only), on the reference path as that composition.

    ``b`` may also hold ``k`` groups of ``B`` rows, each group paired with
    the same ``a`` of ``B`` rows: row ``j * B + i`` of the result is
    ``scale * <a_i, b_(j B + i)>``, what the composition computes on
    ``F.tile(a, (k, 1))`` and ``b``, without the tiled copy.

    Args:
        a (chainer.Variable or array): ``(B, n)``.
        b (chainer.Variable or array): ``(B, n)`` or ``(k B, n)``.
        scale (float): Factor applied to every inner product.

    Returns:
        chainer.Variable: ``(B,)`` or ``(k B,)``; zeros when ``n`` is 0.

    Raises:
        ValueError: The shapes do not fit, or ``scale`` is not a finite
            number.
        chainer.utils.type_check.InvalidType: ``a`` is not a float array
            or ``b`` is not of its dtype (as Chainer's functions report it
            on the reference path).
    """
    if len(a.shape) != 2 or len(b.shape) != 2 or a.shape[1] != b.shape[1] \
            or a.shape[0] == 0 or b.shape[0] % a.shape[0]:
        raise ValueError(
            'row_inner_product: a has shape {} and b {}; they must be '
            '(batch, n) and (k * batch, n)'.format(tuple(a.shape),
                                                   tuple(b.shape)))
    if not isinstance(scale, numbers.Real) or isinstance(scale, bool) or \
            not math.isfinite(scale):
        raise ValueError('row_inner_product: scale must be a finite number, '
                         'got {!r}'.format(scale))
    if not use_fused():
        k = b.shape[0] // a.shape[0]
        return F.sum((F.tile(a, (k, 1)) if k > 1 else a) * b,
                     axis=1) * scale
    return RowInnerProduct(scale).apply((a, b))[0]
