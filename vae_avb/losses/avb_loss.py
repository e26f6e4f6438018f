import chainer
import chainer.functions as F

from vae_avb.functions import bernoulli_nll_mean
from vae_avb.links import Adversary
from vae_avb.links import BernoulliDecoder
from vae_avb.links import HeadsAdversary
from vae_avb.links import NoiseEncoder
from vae_avb.losses.checks import check_link
from vae_avb.utils import check_same_device
from vae_avb.utils.removed import FUSED_REMOVED
from vae_avb.utils.removed import refuse_removed


# The adversaries T(x, z) of vae_avb.
ADVERSARIES = (Adversary, HeadsAdversary)


class AVBLoss(chainer.Chain):

    """Encoder/decoder objective of Adversarial Variational Bayes.

    Mescheder et al. 2017, Eq. (3.7) and Algorithm 1, as a loss to
    minimise::

        loss = E_x E_eps [ -log p(x | z) + T(x, z) ],  z = z_phi(x, eps)

    ``T(x, z)`` stands for ``log q(z|x) - log p(z)``, so this is the
    negative ELBO with the KL replaced by the adversary's estimate. Both
    terms are per example (the reconstruction summed over data dimensions,
    ``T`` one scalar per pair) and averaged over the batch; mixing a
    per-dimension mean with a per-example ``T`` is the known pitfall that
    breaks training. Gradients flow through ``T`` into the encoder.

    The chain owns the encoder and the decoder but only *uses* the
    adversary (it is not a child link), so an optimizer set up on this
    loss updates exactly the encoder and decoder parameters, and
    :class:`AdversaryLoss` owns the adversary. Move both losses to the
    device.

    Reports ``loss``, ``reconstruction`` and ``kl`` (the estimate
    ``E[T]``) through :func:`chainer.report`.

    Args:
        encoder (vae_avb.links.NoiseEncoder): ``z = f(x, eps)``.
        decoder (vae_avb.links.BernoulliDecoder): ``z -> logits``.
        adversary (vae_avb.links.Adversary): ``T(x, z)``, used through
            its ``constant`` method.
    """

    # The encoders this loss takes (AdaptiveContrastLoss: its own), and
    # what one of another package must have.
    _encoder_kinds = (NoiseEncoder,)
    _encoder_needs = ('forward',)

    def __init__(self, encoder, decoder, adversary, fused=None):
        where = type(self).__name__
        refuse_removed(where, 'fused', fused, FUSED_REMOVED)
        call = 'encoder, decoder, adversary'
        check_link(encoder, 'encoder', where, self._encoder_kinds,
                   self._encoder_needs, call)
        check_link(decoder, 'decoder', where, (BernoulliDecoder,),
                   ('forward',), call)
        check_link(adversary, 'adversary', where, ADVERSARIES,
                   ('constant',), call)
        super(AVBLoss, self).__init__()
        with self.init_scope():
            self.encoder = encoder
            self.decoder = decoder
        # Outside init_scope: used, not owned (see above).
        self.adversary = adversary

    def forward(self, x, eps=None):
        """Computes the loss on a batch ``x`` of shape ``(B, D)``.

        Args:
            x (array): Data in ``[0, 1]``.
            eps (array or None): Encoder noise ``(B, n_noise)``; fresh
                when ``None``.

        Returns:
            chainer.Variable: The scalar loss, in nats per example.
        """
        check_same_device(self, self.adversary, 'adversary', 'AVBLoss')
        z = self.encoder(x, eps)
        reconstruction = self.reconstruction(x, z)
        # The adversary's parameters are constants here: this step trains
        # the encoder and decoder only.
        kl = F.mean(self.adversary.constant(x, z))
        loss = reconstruction + kl
        chainer.report({'loss': loss, 'reconstruction': reconstruction,
                        'kl': kl}, self)
        return loss

    def reconstruction(self, x, z):
        """``E[-log p(x|z)]``: summed over pixels, batch mean."""
        return bernoulli_nll_mean(x, self.decoder(z))
