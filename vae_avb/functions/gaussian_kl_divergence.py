import chainer.functions as F

from vae_avb.functions.reduce import check_reduce
from vae_avb.functions.reduce import per_example_reduce


def gaussian_kl_divergence(mean, ln_var, reduce='mean'):
    """KL divergence of a diagonal Gaussian from the standard normal.

    Implements ``KL(N(mean, exp(ln_var)) || N(0, I)) =
    0.5 * sum_d (mean_d^2 + exp(ln_var_d) - ln_var_d - 1)``
    (Kingma & Welling 2013, Appendix B) through
    :func:`chainer.functions.gaussian_kl_divergence`.

    Args:
        mean (chainer.Variable or array): Means, shape ``(B, n_latent)``.
        ln_var (chainer.Variable or array): Log variances, same shape.
        reduce (str): ``'mean'`` (default): summed over latent dimensions,
            averaged over the batch, in nats per example. ``'sum'``: summed
            over the batch too. ``'no'``: one value per example, ``(B,)``.

    Returns:
        chainer.Variable: The KL divergence in nats, never negative.
    """
    check_reduce(reduce, 'gaussian_kl_divergence')
    if mean.shape != ln_var.shape or len(mean.shape) != 2:
        raise ValueError(
            'gaussian_kl_divergence: mean has shape {} and ln_var {}; both '
            'must be (batch, n_latent)'.format(
                tuple(mean.shape), tuple(ln_var.shape)))
    return per_example_reduce(F.gaussian_kl_divergence, mean, ln_var, reduce)
