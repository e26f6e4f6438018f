import chainer
from chainer import backend
from chainer import function_node
from chainer.utils import type_check

from vae_avb.functions.bernoulli_nll import bernoulli_nll
from vae_avb.functions.first_order import check_first_order
from vae_avb.functions.fused_path import use_fused
from vae_avb.utils.check import check_float
from vae_avb.utils.check import check_values


class BernoulliNLLMean(function_node.FunctionNode):

    """``sum(softplus(y) - x * y) / B`` in one node (see the function)."""

    def check_type_forward(self, in_types):
        type_check._argname(in_types, ('x', 'logits'))
        x_type, y_type = in_types
        type_check.expect(
            y_type.dtype.kind == 'f',
            x_type.dtype == y_type.dtype,
            x_type.shape == y_type.shape,
        )

    def forward(self, inputs):
        self.retain_inputs((0, 1))
        x, y = inputs
        xp = backend.get_array_module(y)
        # softplus(y) = max(y, 0) + log1p(exp(-|y|)), written into one
        # buffer; then the x * y term; four temporaries fewer than the
        # composition of Chainer functions.
        buf = xp.abs(y)
        xp.negative(buf, out=buf)
        xp.exp(buf, out=buf)
        xp.log1p(buf, out=buf)
        buf += xp.maximum(y, 0)
        total = buf.sum(dtype=y.dtype) - xp.vdot(x.ravel(), y.ravel())
        return xp.asarray(total / y.shape[0], dtype=y.dtype),

    def backward(self, indexes, grad_outputs):
        check_first_order('bernoulli_nll_mean')
        x, y = self.get_retained_inputs()
        x, y = x.array, y.array
        gloss = grad_outputs[0].array
        xp = backend.get_array_module(y)
        scale = gloss / y.shape[0]
        result = [None, None]
        if 1 in indexes:
            # d/dy = (sigmoid(y) - x) / B, sigmoid through tanh as Chainer.
            gy = y * 0.5
            xp.tanh(gy, out=gy)
            gy *= 0.5
            gy += 0.5
            gy -= x
            gy *= scale
            result[1] = chainer.Variable(gy)
        if 0 in indexes:
            result[0] = chainer.Variable(-y * scale)
        return tuple(result[i] for i in indexes)


def bernoulli_nll_mean(x, logits):
    """Bernoulli negative log-likelihood in nats per example.

    Computes what ``vae_avb.functions.bernoulli_nll(x, logits)`` computes
    (``reduce='mean'``: summed over features, averaged over the batch):
    on the fused path (:func:`~vae_avb.functions.use_fused`) as a single
    function node with an analytic gradient (first-order only) instead of
    the five nodes of Chainer's composition, which the reference path
    runs.

    Args:
        x (chainer.Variable or array): Data ``(B, D)`` in ``[0, 1]``.
        logits (chainer.Variable or array): Decoder logits, same shape.

    Returns:
        chainer.Variable: A scalar.

    Raises:
        ValueError: As :func:`~vae_avb.functions.bernoulli_nll`: shapes
            differ, or ``x`` holds NaN or values outside ``[0, 1]``
            (checked while ``chainer.config.type_check`` is on).
        TypeError: ``x`` and ``logits`` do not share one float dtype.
    """
    if x.shape != logits.shape or len(x.shape) != 2:
        raise ValueError(
            'bernoulli_nll_mean: x has shape {} and logits {}; both must be '
            '(batch, features)'.format(tuple(x.shape), tuple(logits.shape)))
    check_float((x, logits), ('x', 'logits'), 'bernoulli_nll_mean')
    if not use_fused():
        return bernoulli_nll(x, logits)
    check_values(x, 'x', 'bernoulli_nll_mean', unit_interval=True)
    return BernoulliNLLMean().apply((x, logits))[0]
