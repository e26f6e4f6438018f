import chainer
import chainer.functions as F

from vae_avb.functions import bernoulli_nll
from vae_avb.functions import gaussian_kl_divergence


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

    Reports ``loss``, ``reconstruction`` (the first term) and ``kl`` (the
    KL, without ``beta``) through :func:`chainer.report`.

    Args:
        vae (vae_avb.links.VAE): The model.
        beta (float): Weight of the KL term (>= 0).
        k (int): Number of samples of ``z`` per example (>= 1).
    """

    def __init__(self, vae, beta=1.0, k=1):
        super(ELBOLoss, self).__init__()
        if k < 1 or int(k) != k:
            raise ValueError(
                'ELBOLoss: k must be a positive integer, got {!r}'.format(k))
        if beta < 0:
            raise ValueError(
                'ELBOLoss: beta must be >= 0, got {!r}'.format(beta))
        self.beta = beta
        self.k = int(k)
        with self.init_scope():
            self.vae = vae

    def forward(self, x, eps=None):
        """Computes the loss on a batch.

        Args:
            x (array): Data ``(B, D)`` in ``[0, 1]``.
            eps (array or None): Noise of shape ``(k * B, n_latent)``, the
                ``l``-th sample of every example in rows ``l * B`` to
                ``(l + 1) * B``; drawn from the global random state when
                ``None``.

        Returns:
            chainer.Variable: The scalar loss, in nats per example.
        """
        mu, ln_var = self.vae.encode(x)
        kl = gaussian_kl_divergence(mu, ln_var)
        if self.k > 1:
            # One pass over k * B rows instead of a Python loop over k.
            mu = F.tile(mu, (self.k, 1))
            ln_var = F.tile(ln_var, (self.k, 1))
            x = F.tile(x, (self.k, 1))
        z = F.gaussian(mu, ln_var, eps=eps)
        reconstruction = bernoulli_nll(x, self.vae.decode(z, sigmoid=False))
        loss = reconstruction + self.beta * kl
        chainer.report({'loss': loss, 'reconstruction': reconstruction,
                        'kl': kl}, self)
        return loss
