"""The Gaussian encoder and the Bernoulli decoder speaking
:mod:`chainer.distributions`, as Chainer's VAE example expects.

Each is its tuple- or logit-returning Link with :meth:`forward` changed,
nothing else: the same parameters under the same names (a file saved from
one loads into the other), the same fused computation underneath.
"""
from vae_avb.links.bernoulli_decoder import BernoulliDecoder
from vae_avb.links.gaussian_encoder import GaussianEncoder
from vae_avb.utils.check import check_bool


class DistributionEncoder(GaussianEncoder):

    """:class:`~vae_avb.links.GaussianEncoder` whose forward returns
    ``q(z|x)`` as a distribution (:meth:`GaussianEncoder.distribution`).

    ``encoder(x).mean`` is ``mu``, ``encoder(x).sample(k)`` is ``(k, B,
    n_latent)``; :meth:`moments` still gives ``(mu, ln_var)``. Arguments as
    for :class:`~vae_avb.links.GaussianEncoder`.
    """

    def forward(self, x):
        return self.distribution(x)


class DistributionDecoder(BernoulliDecoder):

    """:class:`~vae_avb.links.BernoulliDecoder` whose forward returns
    ``p(x|z)`` as a distribution (:meth:`BernoulliDecoder.distribution`).

    ``decoder(z, inference=True).mean`` is the probabilities. ``z`` may be
    ``(B, n_latent)`` or ``(k, B, n_latent)`` either way: ``inference`` is
    taken for Chainer's example, where it tells its decoder how many batch
    axes ``z`` has, and changes nothing here. :meth:`decode` still gives
    logits.

    Args:
        binary_check (bool): Make ``log_prob`` refuse data other than 0
            and 1 (while ``chainer.config.type_check`` is on; off, such
            data get ``-inf``, as from Chainer's
            :class:`~chainer.distributions.Bernoulli` with this flag).
            Data outside ``[0, 1]``, NaN or inf are refused either way
            while it is on.

    Other arguments as for :class:`~vae_avb.links.BernoulliDecoder`.
    """

    def __init__(self, n_latent=20, n_out=784, n_hidden=500, n_layers=1,
                 activation='tanh', initialW=None, initial_bias=None,
                 binary_check=False):
        super(DistributionDecoder, self).__init__(
            n_latent, n_out, n_hidden, n_layers, activation, initialW,
            initial_bias)
        self.binary_check = check_bool(binary_check, 'binary_check',
                                       'DistributionDecoder')

    def forward(self, z, inference=False):
        return self.distribution(z, self.binary_check)
