import numpy

import chainer
import chainer.distributions as D
import chainer.functions as F

from vae_avb.functions.bernoulli_nll import bernoulli_nll
from vae_avb.links.mlp import MLP
from vae_avb.utils import check_batch
from vae_avb.utils.check import check_count
from vae_avb.utils.check import check_initializer
from vae_avb.utils.removed import FUSED_REMOVED
from vae_avb.utils.removed import refuse_removed


class BernoulliDecoder(chainer.Chain):

    """MLP Bernoulli decoder.

    ``p(x|z) = prod_d Bernoulli(x_d | sigmoid(f(z))_d)``.

    Kingma & Welling 2013, Appendix C.1. :meth:`forward` returns the logits
    ``f(z)``, which is what :func:`vae_avb.functions.bernoulli_nll` takes;
    ``sigmoid=True`` gives the probabilities, as the seeds'
    ``decode(z, sigmoid=True)``.

    Args:
        n_latent (int): Latent size.
        n_out (int): Data size ``D``.
        n_hidden (int): Width of the hidden layers.
        n_layers (int): Number of hidden layers.
        activation (str or callable): Hidden activation.
        initialW: Weight initializer of every layer; ``None`` gives
            :class:`~vae_avb.initializers.Xavier`.
        initial_bias: Bias initializer; ``None`` gives zeros.

    :meth:`forward` returns logits (or probabilities);
    :meth:`distribution` returns ``p(x|z)`` as a
    :class:`chainer.distributions.Bernoulli`, what Chainer's VAE example
    takes (:class:`~vae_avb.links.DistributionDecoder` makes it the
    forward). Both take codes with any leading batch axes, ``(B,
    n_latent)`` or ``(k, B, n_latent)``.
    """

    def __init__(self, n_latent=20, n_out=784, n_hidden=500, n_layers=1,
                 activation='tanh', initialW=None, initial_bias=None,
                 fused=None):
        refuse_removed('BernoulliDecoder', 'fused', fused, FUSED_REMOVED)
        super(BernoulliDecoder, self).__init__()
        self.n_latent = check_count(n_latent, 'n_latent', 'BernoulliDecoder')
        check_initializer(initialW, 'initialW', 'BernoulliDecoder')
        check_initializer(initial_bias, 'initial_bias', 'BernoulliDecoder')
        self.n_out = n_out
        with self.init_scope():
            self.mlp = MLP(n_latent, n_hidden, n_out, n_layers, activation,
                           initialW=initialW, initial_bias=initial_bias)

    def forward(self, z, sigmoid=False):
        """Decodes latent codes: :meth:`decode`."""
        return self.decode(z, sigmoid)

    def decode(self, z, sigmoid=False):
        """Decodes latent codes (the array interface, whatever
        :meth:`forward` of a subclass returns).

        Args:
            z (chainer.Variable or array): Shape ``(B, n_latent)``, or
                ``(k, B, n_latent)`` (any number of leading axes).
            sigmoid (bool): Return probabilities instead of logits.

        Returns:
            chainer.Variable: Shape ``(B, n_out)`` (the leading axes of
            ``z`` followed by ``n_out``).
        """
        flat, leading = self._flatten(z)
        logits = self.network(flat)
        if leading is not None:
            logits = F.reshape(logits, leading + (self.n_out,))
        return F.sigmoid(logits) if sigmoid else logits

    def distribution(self, z, binary_check=False):
        """``p(x|z)`` as a distribution over data of shape ``z.shape[:-1]
        + (n_out,)``.

        Returns:
            chainer.distributions.Independent: A
            :class:`~chainer.distributions.Bernoulli` on the logits, its
            last axis an event axis (``log_prob`` sums over pixels, as in
            Chainer's VAE example); ``.mean`` is the probabilities.
        """
        return D.Independent(
            D.Bernoulli(logit=self.decode(z), binary_check=binary_check),
            reinterpreted_batch_ndims=1)

    def _flatten(self, z):
        """``z`` as ``(rows, n_latent)`` and its leading axes (``None``
        when already 2-D), after the checks."""
        shape = getattr(z, 'shape', None)
        hint = ('pass codes of shape (batch, {0}) or (k, batch, {0})'
                .format(self.n_latent))
        if shape is None or len(shape) < 3:
            check_batch(z, self.n_latent, 'z', 'BernoulliDecoder',
                        self.dtype, hint)
            return z, None
        leading = tuple(shape[:-1])
        if shape[-1] != self.n_latent:
            raise ValueError('BernoulliDecoder: z has shape {}, expected (k, '
                             'batch, {}); {}'.format(tuple(shape),
                                                     self.n_latent, hint))
        flat = F.reshape(z, (int(numpy.prod(leading)), shape[-1]))
        check_batch(flat, self.n_latent, 'z', 'BernoulliDecoder', self.dtype,
                    hint)
        return flat, leading

    @property
    def network(self):
        """The network from codes to logits (``mlp`` here; a subclass
        names its own), with ``forward``, ``constant`` and ``dtype``."""
        return self.mlp

    @property
    def dtype(self):
        """The parameters' dtype."""
        return self.network.dtype

    def constant(self, z):
        """The logits with the decoder's weights as constants: gradients
        reach ``z`` only (what evaluation differentiates)."""
        check_batch(z, self.n_latent, 'z', 'BernoulliDecoder', self.dtype,
                    'pass codes of shape (batch, {})'.format(self.n_latent))
        return self.network.constant(z)

    def log_likelihood(self, x, z):
        """``log p(x|z)`` per row, the weights as constants (gradients
        reach ``z`` only): what AIS and importance sampling need.

        Args:
            x (array): Data ``(B, n_out)`` in ``[0, 1]``.
            z (chainer.Variable or array): Codes ``(B, n_latent)``.

        Returns:
            chainer.Variable: Shape ``(B,)``, in nats.
        """
        return -bernoulli_nll(x, self.constant(z), reduce='no')
