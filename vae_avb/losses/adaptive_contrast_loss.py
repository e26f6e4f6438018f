import chainer
import chainer.functions as F

from vae_avb.functions.contrast_gaussian import contrast_gaussian
from vae_avb.links import AdaptiveContrastEncoder
from vae_avb.losses.avb_loss import AVBLoss
from vae_avb.utils import check_same_device


class AdaptiveContrastLoss(AVBLoss):

    """Encoder/decoder objective of AVB with adaptive contrast.

    Mescheder et al. 2017, Section 4 and Algorithm 2, as a loss to
    minimise. With ``mu(x)`` and ``sigma(x)^2`` the mean and variance of
    ``q(z|x)`` (from
    :meth:`~vae_avb.links.AdaptiveContrastEncoder.posterior`, with stopped
    gradients) and ``z_bar = (z - mu) / sigma``, the KL term is estimated
    per example as::

        KL ~ T(x, z_bar) + log r(z|x) - log p(z),
        r(z|x) = N(z; mu(x), diag(sigma(x)^2)),  p(z) = N(0, I)

    (with the encoder's ``contrast='full'``, ``r`` has the full
    covariance ``Sigma(x)`` of ``q(z|x)`` and ``z_bar = L^-1 (z - mu)``,
    ``L L^T = Sigma``; ``r`` is
    :func:`~vae_avb.functions.contrast_gaussian`), where the adversary
    ``T`` contrasts ``z_bar`` with ``N(0, I)`` (see
    :class:`AdversaryLoss` with ``adaptive_contrast=True``) and so
    estimates ``KL(q(z_bar|x), N(0, I)) = KL(q(z|x), r(z|x))``. The loss is
    ``E[-log p(x|z) + KL]`` per example, averaged over the batch.

    Stopping the gradients of ``mu`` and ``sigma`` changes no gradient
    in expectation: ``r`` matches the first two moments of ``q``, which is
    where ``E_q[log r]`` is stationary in them. Gradients reach the
    encoder through ``z`` (in ``z_bar``, ``log r`` and ``log p``).

    As :class:`AVBLoss`, the chain owns the encoder and decoder and only
    uses the adversary.
    Reports ``loss``, ``reconstruction`` and ``kl`` (the estimate) and
    ``kl_gaussian`` (``E[log r - log p]``, the part known in closed form).

    Args:
        encoder (vae_avb.links.AdaptiveContrastEncoder): ``z`` and the
            moments of ``q(z|x)``.
        decoder (vae_avb.links.BernoulliDecoder): ``z -> logits``.
        adversary (vae_avb.links.Adversary): ``T(x, z_bar)``.
    """

    _encoder_kinds = (AdaptiveContrastEncoder,)
    _encoder_needs = ('posterior',)

    def forward(self, x, eps=None):
        """Computes the loss on a batch ``x`` of shape ``(B, D)``.

        Args:
            x (array): Data in ``[0, 1]``.
            eps (array or None): Encoder noise ``(n_basis, B, n_noise)``.

        Returns:
            chainer.Variable: The scalar loss, in nats per example.
        """
        check_same_device(self, self.adversary, 'adversary',
                          'AdaptiveContrastLoss')
        z, mean, spread = self.encoder.posterior(x, eps)
        reconstruction = self.reconstruction(x, z)
        kl_contrast, kl_gaussian = kl_terms(
            self.adversary, x, z, mean, spread)
        kl = kl_contrast + kl_gaussian
        loss = reconstruction + kl
        chainer.report({'loss': loss, 'reconstruction': reconstruction,
                        'kl': kl, 'kl_gaussian': kl_gaussian}, self)
        return loss


def kl_terms(adversary, x, z, mean, spread):
    """The two parts of the adaptive-contrast KL estimate, batch means.

    Args:
        adversary: ``T(x, z_bar)``, used through its ``constant``
            method (its parameters get no gradient).
        x (array): Data ``(B, D)``.
        z (chainer.Variable): Samples ``(B, n_latent)``.
        mean (array): ``E[z|x]`` (a constant).
        spread (array): ``Var[z|x]`` ``(B, n_latent)``, or ``Cov[z|x]``
            ``(B, n_latent, n_latent)`` (a constant): ``r(z|x)`` is the
            Gaussian with these moments,
            :func:`~vae_avb.functions.contrast_gaussian`.

    Returns:
        tuple: ``(E[T(x, z_bar)], E[log r(z|x) - log p(z)])`` as
        Variables.
    """
    r = contrast_gaussian(mean, spread)
    z_bar = r.whiten(z)
    t = F.mean(adversary.constant(x, z_bar))
    # log r - log p per example; the 2 pi terms cancel.
    log_ratio = 0.5 * F.sum(z * z - z_bar * z_bar, axis=1) - r.half_log_det
    return t, F.mean(log_ratio)
