import chainer
import chainer.functions as F

from vae_avb.links.mlp import MLP
from vae_avb.utils import check_batch


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
        fused (bool): Fused MLP node (see :class:`~vae_avb.links.MLP`).
    """

    def __init__(self, n_latent=20, n_out=784, n_hidden=500, n_layers=1,
                 activation='tanh', fused=True):
        super(BernoulliDecoder, self).__init__()
        self.n_latent = n_latent
        self.n_out = n_out
        with self.init_scope():
            self.mlp = MLP(n_latent, n_hidden, n_out, n_layers, activation,
                           fused=fused)

    def forward(self, z, sigmoid=False):
        """Decodes latent codes.

        Args:
            z (chainer.Variable or array): Shape ``(B, n_latent)``.
            sigmoid (bool): Return probabilities instead of logits.

        Returns:
            chainer.Variable: Shape ``(B, n_out)``.
        """
        check_batch(z, self.n_latent, 'z', 'BernoulliDecoder',
                    self.mlp[0].W.dtype)
        logits = self.mlp(z)
        return F.sigmoid(logits) if sigmoid else logits
