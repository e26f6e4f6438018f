import chainer.functions as F

from vae_avb.functions.reduce import check_reduce
from vae_avb.functions.reduce import per_example_reduce
from vae_avb.utils.check import check_float
from vae_avb.utils.check import check_values


def bernoulli_nll(x, logits, reduce='mean'):
    """Negative log-likelihood of ``x`` under independent Bernoullis.

    Implements ``-log p(x|z) = -sum_d [x_d log p_d + (1 - x_d) log(1 - p_d)]``
    with ``p = sigmoid(logits)`` (Kingma & Welling 2013, Appendix C.1),
    through :func:`chainer.functions.bernoulli_nll`. Grey levels
    ``0 < x < 1`` are allowed, as in the seeds (cross-entropy with a soft
    target).

    Args:
        x (chainer.Variable or array): Data, shape ``(B, D)``, values in
            ``[0, 1]``.
        logits (chainer.Variable or array): Decoder output before the
            sigmoid, same shape as ``x``.
        reduce (str): ``'mean'`` (default): summed over ``D``, averaged over
            the batch, in nats per example. ``'sum'``: summed over the batch
            too. ``'no'``: one value per example, shape ``(B,)``.

    Returns:
        chainer.Variable: The negative log-likelihood in nats.

    Raises:
        ValueError: ``x`` and ``logits`` differ in shape, ``x`` holds NaN
            or values outside ``[0, 1]`` (checked while
            ``chainer.config.type_check`` is on), or ``reduce`` is unknown.
        TypeError: ``x`` and ``logits`` do not share one float dtype.
    """
    check_reduce(reduce, 'bernoulli_nll')
    if x.shape != logits.shape or len(x.shape) != 2:
        raise ValueError(
            'bernoulli_nll: x has shape {} and logits {}; both must be '
            '(batch, features)'.format(tuple(x.shape), tuple(logits.shape)))
    check_float((x, logits), ('x', 'logits'), 'bernoulli_nll')
    check_values(x, 'x', 'bernoulli_nll', unit_interval=True)
    return per_example_reduce(F.bernoulli_nll, x, logits, reduce)
