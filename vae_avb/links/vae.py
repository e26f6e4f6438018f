import chainer

from vae_avb.links.bernoulli_decoder import BernoulliDecoder
from vae_avb.links.gaussian_encoder import GaussianEncoder
from vae_avb.utils.check import check_bool
from vae_avb.utils.check import check_count
from vae_avb.utils.removed import FUSED_REMOVED
from vae_avb.utils.removed import refuse_removed


class VAE(chainer.Chain):

    """Variational autoencoder: a Gaussian encoder and a Bernoulli decoder.

    Kingma & Welling 2013 with the prior ``p(z) = N(0, I)``. The loss lives
    in :class:`vae_avb.losses.ELBOLoss`; this chain only holds the two
    networks and the inference helpers the seeds use.

    Args:
        encoder (GaussianEncoder): ``x -> (mu, ln_var)``.
        decoder (BernoulliDecoder): ``z -> logits``.
    """

    def __init__(self, encoder, decoder):
        super(VAE, self).__init__()
        if not isinstance(encoder, chainer.Link) or \
                not isinstance(decoder, chainer.Link) or \
                not hasattr(encoder, 'n_latent') or \
                not hasattr(decoder, 'n_latent'):
            raise TypeError(
                'VAE: pass VAE(encoder, decoder), an encoder such as '
                'GaussianEncoder and a decoder such as BernoulliDecoder '
                '(Links with n_latent), got {} and {}'.format(
                    type(encoder).__name__, type(decoder).__name__))
        if encoder.n_latent != decoder.n_latent:
            raise ValueError(
                'VAE: the encoder has n_latent={} but the decoder {}; build '
                'both with the same n_latent'.format(
                    encoder.n_latent, decoder.n_latent))
        # The data size, where both networks know it.
        n_in = getattr(encoder, 'n_in', None)
        n_out = getattr(decoder, 'n_out', None)
        if n_in is not None and n_out is not None and n_in != n_out:
            raise ValueError(
                'VAE: the encoder takes data of {} values (n_in) but the '
                'decoder gives {} (n_out); build both for the same data '
                'size'.format(n_in, n_out))
        self.n_latent = encoder.n_latent
        with self.init_scope():
            self.encoder = encoder
            self.decoder = decoder

    @classmethod
    def mlp(cls, n_in=784, n_latent=20, n_hidden=500, n_layers=1,
            activation='tanh', initialW=None, initial_bias=None,
            fused=None):
        """Builds an MLP VAE; defaults are Chainer's example (784-500-20).

        ``initialW`` and ``initial_bias`` go to both networks (``None``:
        Xavier weights, zero biases; Chainer's example has
        ``chainer.initializers.LeCunNormal()`` weights).

        (The reference path is chosen at run time, see
        :func:`~vae_avb.functions.reference_path`.)
        """
        refuse_removed('VAE.mlp', 'fused', fused, FUSED_REMOVED)
        return cls(
            GaussianEncoder(n_in, n_latent, n_hidden, n_layers, activation,
                            initialW, initial_bias),
            BernoulliDecoder(n_latent, n_in, n_hidden, n_layers, activation,
                             initialW, initial_bias))

    def encode(self, x):
        """Returns ``(mu, ln_var)`` of ``q(z|x)``, each ``(B, n_latent)``."""
        return self.encoder.moments(x)

    def decode(self, z, sigmoid=True):
        """Returns probabilities (or logits with ``sigmoid=False``)."""
        check_bool(sigmoid, 'sigmoid', 'VAE.decode')
        return self.decoder.decode(z, sigmoid=sigmoid)

    def forward(self, x, sigmoid=True):
        """Reconstructs ``x`` by decoding the posterior mean, as the seeds."""
        return self.reconstruct(x, sigmoid)

    def reconstruct(self, x, sigmoid=True):
        """Decodes the posterior mean ``mu(x)``; shape ``(B, n_in)``."""
        check_bool(sigmoid, 'sigmoid', 'VAE.reconstruct')
        mu, _ = self.encoder.moments(x)
        return self.decoder.decode(mu, sigmoid=sigmoid)

    def sample_prior(self, n):
        """Draws ``n`` codes ``z ~ N(0, I)`` on the chain's device.

        Uses the global random state of the array module, as
        :func:`chainer.functions.gaussian` does.
        """
        n = check_count(n, 'n', 'VAE.sample_prior')
        xp = self.xp
        dtype = self.decoder.dtype
        return xp.random.standard_normal(
            (n, self.n_latent)).astype(dtype, copy=False)

    def sample(self, n, sigmoid=True):
        """Decodes ``n`` draws from the prior; shape ``(n, n_in)``."""
        n = check_count(n, 'n', 'VAE.sample')
        check_bool(sigmoid, 'sigmoid', 'VAE.sample')
        return self.decoder.decode(self.sample_prior(n), sigmoid=sigmoid)
