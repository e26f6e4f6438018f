import numpy

import chainer
from chainer import backend
import chainer.functions as F

from vae_avb.functions import bernoulli_nll_mean
from vae_avb.functions import gaussian_sample_kl
from vae_avb.links.bernoulli_decoder import BernoulliDecoder
from vae_avb.links.gaussian_encoder import GaussianEncoder
from vae_avb.links.prior import Prior
from vae_avb.losses.checks import check_link
from vae_avb.losses.elbo_loss import check_beta
from vae_avb.utils.check import check_count


class AvgELBOLoss(chainer.Chain):

    """Negative ELBO in the form of Chainer's VAE example
    (``examples/vae/net.py`` of Chainer 7): the same constructor, the same
    children, the same reports.

    ``encoder(x)`` returns ``q(z|x)``, ``decoder(z)`` returns ``p(x|z)``
    and ``prior()`` returns ``p(z)``, all :mod:`chainer.distributions`;
    with ``z ~ q(z|x)`` drawn ``k`` times (``q_z.sample(k)``)::

        reconstr   = mean over the k samples and the batch of log p(x|z)
        kl_penalty = mean over the batch of KL(q(z|x) || p(z))
        loss       = -(reconstr - beta * kl_penalty)

    that is Kingma & Welling 2013's Eq. (10) negated, in nats per example.
    It reports ``loss``, ``reconstr`` (a log-likelihood: negative, higher
    is better) and ``kl_penalty``, Chainer's keys with Chainer's signs.
    (:class:`~vae_avb.losses.ELBOLoss`, the library's own loss on a
    :class:`~vae_avb.links.VAE`, reports ``reconstruction`` =
    ``-reconstr`` and ``kl`` = ``kl_penalty``.)

    With vae_avb's networks (a :class:`~vae_avb.links.GaussianEncoder`, a
    :class:`~vae_avb.links.BernoulliDecoder`, or their
    :class:`~vae_avb.links.DistributionEncoder` and
    :class:`~vae_avb.links.DistributionDecoder`) and a standard normal
    :class:`~vae_avb.links.Prior`, the loss is computed by the library's
    fused functions (:func:`~vae_avb.functions.gaussian_sample_kl` with the
    KL in closed form, :func:`~vae_avb.functions.bernoulli_nll_mean`) from
    the same random draws as ``q_z.sample(k)``: the same value and
    gradients to float rounding, without building the distributions. Any
    other encoder, decoder or prior (Chainer's own, say) goes through the
    distributions as in Chainer's example.

    Args:
        encoder (chainer.Link): ``x -> q(z|x)``.
        decoder (chainer.Link): ``z -> p(x|z)``, taking ``(k, B,
            n_latent)`` codes.
        prior (chainer.Link): ``() -> p(z)``.
        beta (float): Weight of the KL term (>= 0).
        k (int): Samples of ``z`` per example (>= 1).
    """

    def __init__(self, encoder, decoder, prior, beta=1.0, k=1):
        super(AvgELBOLoss, self).__init__()
        call = 'encoder, decoder, prior'
        for link, role, kind in ((encoder, 'encoder', GaussianEncoder),
                                 (decoder, 'decoder', BernoulliDecoder),
                                 (prior, 'prior', Prior)):
            # Chainer's own networks: callable Links returning
            # distributions.
            check_link(link, role, 'AvgELBOLoss', (kind,), ('forward',),
                       call)
        self.beta = check_beta(beta, 'AvgELBOLoss')
        self.k = check_count(k, 'k', 'AvgELBOLoss')
        sizes = {name: getattr(link, 'n_latent', None) for name, link in
                 (('encoder', encoder), ('decoder', decoder),
                  ('prior', prior))}
        known = {n for n in sizes.values() if n is not None}
        if len(known) > 1:
            raise ValueError(
                'AvgELBOLoss: the networks disagree on the latent size ({}); '
                'build them with one n_latent'.format(', '.join(
                    '{} {}'.format(k, v) for k, v in sizes.items()
                    if v is not None)))
        with self.init_scope():
            self.encoder = encoder
            self.decoder = decoder
            self.prior = prior

    def forward(self, x):
        """The loss on a batch ``x`` of shape ``(B, D)``, data in
        ``[0, 1]``; a scalar Variable."""
        if self._fused(x):
            reconstr, kl_penalty = self._fused_terms(x)
        else:
            q_z = _distribution(self.encoder, x)
            z = q_z.sample(self.k)
            p_x = _distribution(self.decoder, z)
            p_z = self.prior()
            reconstr = F.mean(p_x.log_prob(
                F.broadcast_to(x[None], (self.k,) + x.shape)))
            kl_penalty = F.mean(chainer.kl_divergence(q_z, p_z))
        loss = -(reconstr - self.beta * kl_penalty)
        chainer.report({'loss': loss, 'reconstr': reconstr,
                        'kl_penalty': kl_penalty}, self)
        return loss

    def _fused(self, x):
        return (isinstance(self.encoder, GaussianEncoder)
                and isinstance(self.decoder, BernoulliDecoder)
                and isinstance(self.prior, Prior)
                and getattr(x, 'ndim', None) == 2
                and self.prior.is_standard)

    def _fused_terms(self, x):
        packed = self.encoder.forward_packed(x)
        batch, n_latent = packed.shape[0], self.encoder.n_latent
        # The draws of chainer.distributions.Normal.sample_n: the same
        # shape and dtype from the same generator.
        xp = backend.get_array_module(packed.array)
        shape = (self.k, batch, n_latent)
        if xp is numpy:
            eps = numpy.random.standard_normal(shape).astype(packed.dtype)
        else:
            eps = xp.random.standard_normal(shape, dtype=packed.dtype)
        z, kl = gaussian_sample_kl(packed, None,
                                   eps.reshape(self.k * batch, n_latent),
                                   self.k)
        if getattr(self.decoder, 'binary_check', False):
            array = x.array if isinstance(x, chainer.Variable) else x
            if not bool(((array == 0) | (array == 1)).all()):
                raise ValueError(
                    'AvgELBOLoss: x has values other than 0 and 1 but the '
                    'decoder was built with binary_check=True; binarize the '
                    'data (x >= 0.5) or build it without binary_check')
        if self.k > 1:
            x = F.tile(x, (self.k, 1))
        return -bernoulli_nll_mean(x, self.decoder.decode(z)), kl


def _distribution(link, value):
    """``link``'s distribution of ``value``: vae_avb's encoders and
    decoders return arrays when called and distributions from their
    ``distribution`` method; Chainer's example's return distributions."""
    if isinstance(link, (GaussianEncoder, BernoulliDecoder)):
        return link.distribution(value)
    return link(value)
