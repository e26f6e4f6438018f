import numpy

import chainer
import chainer.distributions as D
import chainer.functions as F

from vae_avb.functions.bernoulli_nll import bernoulli_nll
from vae_avb.links.mlp import dense_shapes
from vae_avb.links.mlp import MAX_LAYERS
from vae_avb.links.mlp import MLP
from vae_avb.utils import check_batch
from vae_avb.utils.check import check_bool
from vae_avb.utils.check import check_count
from vae_avb.utils.check import check_initializer
from vae_avb.utils.check import check_values
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
        where = 'BernoulliDecoder'
        n_latent, n_out, n_hidden = (
            check_count(value, name, where) for name, value in (
                ('n_latent', n_latent), ('n_out', n_out),
                ('n_hidden', n_hidden)))
        n_layers = check_count(n_layers, 'n_layers', where, 0, MAX_LAYERS)
        w_shapes, b_shapes = dense_shapes(
            [n_latent] + [n_hidden] * n_layers + [n_out])
        check_initializer(initialW, 'initialW', where, w_shapes)
        check_initializer(initial_bias, 'initial_bias', where, b_shapes)
        self.n_latent = n_latent
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
        sigmoid = check_bool(sigmoid, 'sigmoid', type(self).__name__)
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
            Chainer's VAE example); ``.mean`` is the probabilities. Its
            ``log_prob(x)`` refuses ``x`` with NaN, inf or values outside
            ``[0, 1]`` (with ``binary_check``, other than 0 and 1) while
            ``chainer.config.type_check`` is on, as
            :meth:`log_likelihood` does; off, NaN and ``-inf`` come out as
            from Chainer's.
        """
        binary_check = check_bool(binary_check, 'binary_check',
                                  type(self).__name__)
        return D.Independent(
            CheckedBernoulli(logit=self.decode(z), binary_check=binary_check,
                             where='{} log_prob'.format(type(self).__name__)),
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


class CheckedBernoulli(D.Bernoulli):

    """:class:`chainer.distributions.Bernoulli` whose :meth:`log_prob`
    checks ``x`` as :meth:`BernoulliDecoder.log_likelihood` does.

    Args:
        where (str): What the messages name.

    Other arguments as for :class:`~chainer.distributions.Bernoulli`.
    """

    def __init__(self, p=None, logit=None, binary_check=False,
                 where='Bernoulli'):
        super(CheckedBernoulli, self).__init__(p, logit, binary_check)
        self.where = where

    def log_prob(self, x):
        """``log p(x)``; ``x`` must be an array (or a Variable) in ``[0,
        1]``, or of 0 and 1 with ``binary_check``.

        The values are read (one pass over ``x``) only while
        ``chainer.config.type_check`` is on, as
        :func:`~vae_avb.utils.check.check_values` does.

        Raises:
            TypeError: ``x`` is not an array.
            ValueError: ``x`` holds NaN or inf, values outside ``[0, 1]``,
                or, with ``binary_check``, values other than 0 and 1.
        """
        if getattr(x, 'shape', None) is None or \
                getattr(x, 'dtype', None) is None:
            raise TypeError(
                '{}: x must be an array (NumPy or CuPy) or a '
                'chainer.Variable, got {}; convert it with numpy.asarray(x, '
                'numpy.float32)'.format(self.where, type(x).__name__))
        check_values(x, 'x', self.where, unit_interval=True)
        if self.binary_check and chainer.config.type_check:
            array = chainer.as_array(x)
            if not bool(((array == 0) | (array == 1)).all()):
                raise ValueError(
                    '{}: x has values other than 0 and 1 but the decoder was '
                    'built with binary_check=True; binarize the data (x >= '
                    '0.5) or build it without binary_check'.format(
                        self.where))
        return super(CheckedBernoulli, self).log_prob(x)


def _plain(distribution):
    return D.Bernoulli(logit=distribution.logit)


# Chainer finds a KL by the exact types: the same as two Bernoullis'.
@chainer.distribution.register_kl(CheckedBernoulli, CheckedBernoulli)
def _kl_checked_checked(dist1, dist2):
    return chainer.kl_divergence(_plain(dist1), _plain(dist2))


@chainer.distribution.register_kl(CheckedBernoulli, D.Bernoulli)
def _kl_checked_plain(dist1, dist2):
    return chainer.kl_divergence(_plain(dist1), dist2)


@chainer.distribution.register_kl(D.Bernoulli, CheckedBernoulli)
def _kl_plain_checked(dist1, dist2):
    return chainer.kl_divergence(dist1, _plain(dist2))
