import chainer
import chainer.distributions as D
import chainer.functions as F
import chainer.links as L

from vae_avb.functions.dense_layers import dense_layers
from vae_avb.initializers import Xavier
from vae_avb.links.mlp import dense_shapes
from vae_avb.links.mlp import MAX_LAYERS
from vae_avb.links.mlp import MLP
from vae_avb.utils import check_batch
from vae_avb.utils.check import check_count
from vae_avb.utils.check import check_initializer
from vae_avb.utils.removed import FUSED_REMOVED
from vae_avb.utils.removed import refuse_removed


class GaussianEncoder(chainer.Chain):

    """MLP Gaussian encoder ``q(z|x) = N(mu(x), diag(exp(ln_var(x))))``.

    Kingma & Welling 2013, Appendix C.2: a hidden MLP, then a linear head
    for the mean and one for the log variance. The two heads are one
    :class:`~chainer.links.Linear` of ``2 * n_latent`` outputs, split in
    two, which computes the same thing as two layers with one matrix
    product; it is initialised with ``Xavier(n_hidden, n_latent)`` so each
    half has the statistics of a separate head.

    Defaults follow Chainer's VAE example (784-500-20, tanh).

    Args:
        n_in (int): Data size ``D``.
        n_latent (int): Latent size.
        n_hidden (int): Width of the hidden layers.
        n_layers (int): Number of hidden layers (seed 001 uses 2).
        activation (str or callable): Hidden activation.
        initialW: Weight initializer of every layer; ``None`` gives
            :class:`~vae_avb.initializers.Xavier` (the head's fans those
            of one ``n_hidden -> n_latent`` head). An initializer that
            reads the fans from the shape, such as Chainer's
            ``GlorotUniform``, sees the packed head's ``2 * n_latent``
            outputs; ``LeCunNormal`` (Chainer's default) reads only the
            fan-in and is the same as for two heads.
        initial_bias: Bias initializer; ``None`` gives zeros.

    :meth:`forward` returns the tuple ``(mu, ln_var)``, what the
    library's losses take; :meth:`distribution` returns ``q(z|x)`` as a
    :mod:`chainer.distributions` object, what Chainer's VAE example takes
    (:class:`~vae_avb.links.DistributionEncoder` makes it the forward).

    On the fused path body and head run as one node when the activation
    allows it (see :class:`~vae_avb.links.MLP`).
    """

    def __init__(self, n_in=784, n_latent=20, n_hidden=500, n_layers=1,
                 activation='tanh', initialW=None, initial_bias=None,
                 fused=None):
        refuse_removed('GaussianEncoder', 'fused', fused, FUSED_REMOVED)
        super(GaussianEncoder, self).__init__()
        where = 'GaussianEncoder'
        n_in, n_latent, n_hidden = (
            check_count(value, name, where) for name, value in (
                ('n_in', n_in), ('n_latent', n_latent),
                ('n_hidden', n_hidden)))
        n_layers = check_count(n_layers, 'n_layers', where, 1, MAX_LAYERS)
        # The body's layers, then the packed head.
        w_shapes, b_shapes = dense_shapes(
            [n_in] + [n_hidden] * n_layers + [2 * n_latent])
        check_initializer(initialW, 'initialW', where, w_shapes)
        check_initializer(initial_bias, 'initial_bias', where, b_shapes)
        self.n_in = n_in
        self.n_latent = n_latent
        with self.init_scope():
            self.body = MLP(n_in, n_hidden, n_hidden, n_layers - 1,
                            activation, activate_output=True,
                            initialW=initialW, initial_bias=initial_bias)
            self.head = L.Linear(
                n_hidden, 2 * n_latent,
                initialW=Xavier(n_hidden, n_latent) if initialW is None
                else initialW, initial_bias=initial_bias)

    def forward(self, x):
        """Encodes a batch: :meth:`moments`.

        Args:
            x (chainer.Variable or array): Shape ``(B, n_in)``, float.

        Returns:
            tuple: ``(mu, ln_var)``, each a :class:`chainer.Variable` of
            shape ``(B, n_latent)``; ``ln_var`` is the log variance.
        """
        return self.moments(x)

    def moments(self, x):
        """``(mu, ln_var)`` of ``q(z|x)``, each ``(B, n_latent)``: the
        tuple interface, whatever :meth:`forward` of a subclass returns."""
        mu, ln_var = F.split_axis(self.forward_packed(x), 2, axis=1)
        return mu, ln_var

    def distribution(self, x):
        """``q(z|x)`` as a distribution over ``(B, n_latent)`` codes.

        Returns:
            chainer.distributions.Independent: A diagonal
            :class:`~chainer.distributions.Normal` with ``loc = mu`` and
            ``log_scale = ln_var / 2``, its last axis an event axis (so
            ``log_prob`` and the KL are summed over the latent, as in
            Chainer's VAE example); ``.mean`` is ``mu``, ``.sample(k)`` has
            shape ``(k, B, n_latent)``.
        """
        mu, ln_var = self.moments(x)
        return D.Independent(D.Normal(loc=mu, log_scale=0.5 * ln_var),
                             reinterpreted_batch_ndims=1)

    def forward_packed(self, x):
        """Returns ``(mu, ln_var)`` side by side, shape ``(B, 2 n_latent)``.

        The head's output before the split, which
        :func:`~vae_avb.functions.gaussian_sample_kl` takes directly.
        """
        check_batch(x, self.n_in, 'x', 'GaussianEncoder', self.dtype)
        # Body (activated output) and head: one fused node where it can.
        return dense_layers(x, list(self.body) + [self.head],
                            self.body.activation)

    @property
    def dtype(self):
        """The parameters' dtype."""
        return self.head.W.dtype
