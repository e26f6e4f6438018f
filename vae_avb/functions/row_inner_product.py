import chainer
from chainer import backend
from chainer import function_node

from vae_avb.functions.first_order import check_first_order


class RowInnerProduct(function_node.FunctionNode):

    def __init__(self, scale):
        self.scale = scale

    def forward(self, inputs):
        self.retain_inputs((0, 1))
        a, b = inputs
        xp = backend.get_array_module(a)
        t = xp.einsum('ij,ij->i', a, b)
        t *= self.scale
        return t,

    def backward(self, indexes, grad_outputs):
        check_first_order('row_inner_product')
        a, b = [v.array for v in self.get_retained_inputs()]
        g = grad_outputs[0].array[:, None] * self.scale
        result = {0: lambda: b * g, 1: lambda: a * g}
        return tuple(chainer.Variable(result[i]()) for i in indexes)


def row_inner_product(a, b, scale=1.0):
    """``scale * sum(a * b, axis=1)`` in one node.

    What ``F.sum(a * b, axis=1) * scale`` computes, as a single function
    node (three in the composition); first-order gradients only.

    Args:
        a (chainer.Variable or array): ``(B, n)``.
        b (chainer.Variable or array): ``(B, n)``.
        scale (float): Factor applied to every inner product.

    Returns:
        chainer.Variable: ``(B,)``.
    """
    if a.shape != b.shape or len(a.shape) != 2:
        raise ValueError(
            'row_inner_product: a has shape {} and b {}; both must be '
            '(batch, n)'.format(tuple(a.shape), tuple(b.shape)))
    return RowInnerProduct(scale).apply((a, b))[0]
