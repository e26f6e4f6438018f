import chainer.functions as F


REDUCTIONS = ('mean', 'sum', 'no')


def check_reduce(reduce, where):
    """Raises a one-line error unless ``reduce`` is a known reduction."""
    if reduce not in REDUCTIONS:
        raise ValueError(
            "{}: reduce must be one of 'mean', 'sum', 'no', got {!r}".format(
                where, reduce))


def per_example_reduce(chainer_loss, a, b, reduce):
    """Applies an elementwise Chainer loss and reduces it our way.

    Chainer's ``bernoulli_nll`` and ``gaussian_kl_divergence`` take
    ``reduce='sum'`` (over everything) or ``'no'`` (elementwise). This
    returns, for ``chainer_loss(a, b)`` on ``(B, D)`` inputs, the sum over
    ``D`` then: the mean over the batch (``'mean'``, nats per example), the
    sum over the batch (``'sum'``) or the ``(B,)`` vector (``'no'``).
    """
    if reduce == 'no':
        return F.sum(chainer_loss(a, b, reduce='no'), axis=1)
    total = chainer_loss(a, b, reduce='sum')
    if reduce == 'sum':
        return total
    return total / a.shape[0]
