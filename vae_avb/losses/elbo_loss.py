import math
import numbers

import chainer
import chainer.functions as F

from vae_avb.functions import bernoulli_nll_mean
from vae_avb.functions import gaussian_sample_kl
from vae_avb.links.vae import VAE
from vae_avb.losses.checks import check_link
from vae_avb.losses.checks import check_noise
from vae_avb.utils.check import check_count
from vae_avb.utils.removed import FUSED_REMOVED
from vae_avb.utils.removed import refuse_removed


def check_beta(beta, where):
    """Checks the KL weight ``beta``: a finite number >= 0.

    Raises:
        ValueError: One line naming ``where`` and the value.
    """
    if isinstance(beta, bool) or not isinstance(beta, numbers.Real) or \
            not 0 <= beta < math.inf:
        raise ValueError('{}: beta must be a finite number >= 0, got '
                         '{!r}'.format(where, beta))
    return beta


class ELBOLoss(chainer.Chain):

    """Negative evidence lower bound of a :class:`~vae_avb.links.VAE`.

    Implements the SGVB estimator of Kingma & Welling 2013, Eq. (10)::

        loss = (1 / k) sum_l -log p(x | z_l) + beta * KL(q(z|x) || p(z))
        z_l = mu(x) + exp(ln_var(x) / 2) * eps_l,  eps_l ~ N(0, I)

    with the KL in closed form (Appendix B) and ``k`` Monte Carlo samples
    drawn by :func:`chainer.functions.gaussian`. Every term is summed over
    data or latent dimensions and averaged over the batch: nats per
    example. ``beta = 1`` gives the true negative ELBO; the seeds call
    ``beta`` ``C``.

    On the fused path (the default, see
    :func:`~vae_avb.functions.use_fused`) the sampling with the KL, and
    the reconstruction term, are each one function node with an analytic
    gradient (:func:`~vae_avb.functions.gaussian_sample_kl`,
    :func:`~vae_avb.functions.bernoulli_nll_mean`): the same values (to
    float rounding) and the same random draws as the reference path, which
    composes Chainer's :func:`~chainer.functions.gaussian`,
    :func:`~chainer.functions.bernoulli_nll` and
    :func:`~chainer.functions.gaussian_kl_divergence` term by term, in
    about half the time per step. The fused path supports first-order
    gradients only.

    Reports ``loss``, ``reconstruction`` (the first term) and ``kl`` (the
    KL, without ``beta``) through :func:`chainer.report`.

    Args:
        vae (vae_avb.links.VAE): The model.
        beta (float): Weight of the KL term (>= 0).
        k (int): Number of samples of ``z`` per example (>= 1).
    """

    def __init__(self, vae, beta=1.0, k=1, fused=None):
        refuse_removed('ELBOLoss', 'fused', fused, FUSED_REMOVED)
        super(ELBOLoss, self).__init__()
        k = check_count(k, 'k', 'ELBOLoss')
        self.beta = check_beta(beta, 'ELBOLoss')
        self.k = int(k)
        check_link(vae, 'vae', 'ELBOLoss', (VAE,), ('encoder', 'decode'))
        with self.init_scope():
            self.vae = vae

    def forward(self, x, eps=None):
        """Computes the loss on a batch.

        Args:
            x (array): Data ``(B, D)`` in ``[0, 1]``.
            eps (array or None): Noise of shape ``(k * B, n_latent)`` and
                the encoder's dtype, the ``l``-th sample of every example
                in rows ``l * B`` to ``(l + 1) * B``; drawn from the global
                random state when ``None``.

        Returns:
            chainer.Variable: The scalar loss, in nats per example.
        """
        packed = self.vae.encoder.forward_packed(x)
        eps = check_noise(eps, (self.k * packed.shape[0],
                                packed.shape[1] // 2), packed.dtype,
                          'ELBOLoss')
        z, kl = gaussian_sample_kl(packed, None, eps, self.k)
        if self.k > 1:
            # One pass over k * B rows instead of a Python loop over k.
            x = F.tile(x, (self.k, 1))
        reconstruction = bernoulli_nll_mean(
            x, self.vae.decode(z, sigmoid=False))
        return self._report(reconstruction, kl)

    def _report(self, reconstruction, kl):
        # beta = 1 adds the KL as it is: one node fewer.
        loss = reconstruction + (kl if self.beta == 1 else self.beta * kl)
        chainer.report({'loss': loss, 'reconstruction': reconstruction,
                        'kl': kl}, self)
        return loss
