import chainer
import chainer.functions as F
import chainer.links as L

from vae_avb.functions.dense_layers import dense_layers
from vae_avb.initializers import Xavier
from vae_avb.links.mlp import MLP
from vae_avb.utils import check_batch
from vae_avb.utils.check import check_count
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

    On the fused path body and head run as one node when the activation
    allows it (see :class:`~vae_avb.links.MLP`).
    """

    def __init__(self, n_in=784, n_latent=20, n_hidden=500, n_layers=1,
                 activation='tanh', fused=None):
        refuse_removed('GaussianEncoder', 'fused', fused, FUSED_REMOVED)
        super(GaussianEncoder, self).__init__()
        n_latent = check_count(n_latent, 'n_latent', 'GaussianEncoder')
        if n_layers < 1:
            raise ValueError(
                'GaussianEncoder: n_layers must be at least 1, got '
                '{}'.format(n_layers))
        self.n_in = n_in
        self.n_latent = n_latent
        with self.init_scope():
            self.body = MLP(n_in, n_hidden, n_hidden, n_layers - 1,
                            activation, activate_output=True)
            self.head = L.Linear(n_hidden, 2 * n_latent,
                                 initialW=Xavier(n_hidden, n_latent))

    def forward(self, x):
        """Encodes a batch.

        Args:
            x (chainer.Variable or array): Shape ``(B, n_in)``, float.

        Returns:
            tuple: ``(mu, ln_var)``, each a :class:`chainer.Variable` of
            shape ``(B, n_latent)``; ``ln_var`` is the log variance.
        """
        mu, ln_var = F.split_axis(self.forward_packed(x), 2, axis=1)
        return mu, ln_var

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
