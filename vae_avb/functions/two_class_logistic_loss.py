import chainer
from chainer import backend
import chainer.functions as F
from chainer import function_node
from chainer.utils import type_check

from vae_avb.functions.first_order import check_first_order
from vae_avb.functions.fused_path import use_fused
from vae_avb.utils.check import check_count


class TwoClassLogisticLoss(function_node.FunctionNode):

    def __init__(self, n_positive):
        self.n_positive = n_positive

    def check_type_forward(self, in_types):
        type_check._argname(in_types, ('logits',))
        t_type, = in_types
        type_check.expect(t_type.dtype.kind == 'f', t_type.ndim == 1)

    def forward(self, inputs):
        t, = inputs
        xp = backend.get_array_module(t)
        n = self.n_positive
        # u = -t on the positives, t on the negatives: the loss of each is
        # softplus(u) = max(u, 0) + log1p(exp(-|u|)).
        u = t.copy()
        u[:n] *= -1
        self.u = u
        loss = xp.abs(u)
        xp.negative(loss, out=loss)
        xp.exp(loss, out=loss)
        xp.log1p(loss, out=loss)
        loss += xp.maximum(u, 0)
        total = (loss[:n].sum(dtype=t.dtype) / n
                 + loss[n:].sum(dtype=t.dtype) / (len(t) - n))
        return xp.asarray(total, dtype=t.dtype),

    def backward(self, indexes, grad_outputs):
        check_first_order('two_class_logistic_loss')
        n = self.n_positive
        u = self.u
        xp = backend.get_array_module(u)
        # d softplus(u) / du = sigmoid(u), through tanh as Chainer does.
        g = u * 0.5
        xp.tanh(g, out=g)
        g *= 0.5
        g += 0.5
        gloss = grad_outputs[0].array
        g[:n] *= -gloss / n
        g[n:] *= gloss / (len(u) - n)
        return chainer.Variable(g),


def two_class_logistic_loss(logits, n_positive):
    """Logistic loss of logits whose first rows are labelled 1, in one node.

    ``mean_i softplus(-t_i)`` over the first ``n_positive`` logits plus
    ``mean_j softplus(t_j)`` over the others: the sum of the two per-class
    means, what ``2 * F.sigmoid_cross_entropy(logits, labels)`` computes
    when the classes have the same size (the AVB adversary's objective,
    Mescheder et al. 2017, Eq. 3.3). On the fused path one function node
    (first-order gradients only); on the reference path Chainer's
    composition.

    Args:
        logits (chainer.Variable or array): Shape ``(N,)``.
        n_positive (int): Number of leading logits labelled 1 (at least
            one, and at least one logit labelled 0 after them).

    Returns:
        chainer.Variable: A scalar.

    Raises:
        ValueError: ``logits`` is not a vector of at least two logits, or
            ``n_positive`` is not an integer from 1 to ``N - 1``.
        chainer.utils.type_check.InvalidType: ``logits`` is not a float
            array (as Chainer's functions report it on the reference path).
    """
    if len(logits.shape) != 1 or logits.shape[0] < 2:
        raise ValueError(
            'two_class_logistic_loss: logits must be a vector with both '
            'classes present, got shape {} and n_positive={!r}'.format(
                tuple(logits.shape), n_positive))
    n = check_count(n_positive, 'n_positive (both classes present)',
                    'two_class_logistic_loss',
                    maximum=logits.shape[0] - 1)
    if not use_fused():
        return (F.mean(F.softplus(-logits[:n]))
                + F.mean(F.softplus(logits[n:])))
    return TwoClassLogisticLoss(n).apply((logits,))[0]
