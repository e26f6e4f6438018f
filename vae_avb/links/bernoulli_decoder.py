import chainer
import chainer.functions as F

from vae_avb.functions.bernoulli_nll import bernoulli_nll
from vae_avb.links.mlp import MLP
from vae_avb.utils import check_batch
from vae_avb.utils.check import check_count
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
    """

    def __init__(self, n_latent=20, n_out=784, n_hidden=500, n_layers=1,
                 activation='tanh', fused=None):
        refuse_removed('BernoulliDecoder', 'fused', fused, FUSED_REMOVED)
        super(BernoulliDecoder, self).__init__()
        self.n_latent = check_count(n_latent, 'n_latent', 'BernoulliDecoder')
        self.n_out = n_out
        with self.init_scope():
            self.mlp = MLP(n_latent, n_hidden, n_out, n_layers, activation)

    def forward(self, z, sigmoid=False):
        """Decodes latent codes.

        Args:
            z (chainer.Variable or array): Shape ``(B, n_latent)``.
            sigmoid (bool): Return probabilities instead of logits.

        Returns:
            chainer.Variable: Shape ``(B, n_out)``.
        """
        check_batch(z, self.n_latent, 'z', 'BernoulliDecoder', self.dtype)
        logits = self.mlp(z)
        return F.sigmoid(logits) if sigmoid else logits

    @property
    def dtype(self):
        """The parameters' dtype."""
        return self.mlp.dtype

    def constant(self, z):
        """The logits with the decoder's weights as constants: gradients
        reach ``z`` only (what evaluation differentiates)."""
        check_batch(z, self.n_latent, 'z', 'BernoulliDecoder', self.dtype)
        return self.mlp.constant(z)

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
