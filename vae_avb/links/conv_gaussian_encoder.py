import chainer
import chainer.links as L

from vae_avb.initializers import Xavier
from vae_avb.links.conv_stack import ConvStack
from vae_avb.links.gaussian_encoder import GaussianEncoder
from vae_avb.utils.check import check_count
from vae_avb.utils.check import check_initializer


class ConvGaussianEncoder(GaussianEncoder):

    """Convolutional Gaussian encoder ``q(z|x) = N(mu(x),
    diag(exp(ln_var(x))))``.

    A :class:`~vae_avb.links.ConvStack` (convolutions, then dense layers),
    then one linear head of ``2 * n_latent`` outputs split into the mean
    and the log variance, as :class:`~vae_avb.links.GaussianEncoder`
    (whose :meth:`moments`, :meth:`distribution` and ``forward`` it
    keeps; ``x`` stays ``(B, height * width)``).

    The defaults are the AVB authors' MNIST VAE encoder (their ``conv1``:
    16, 32, 32 channels of 5 x 5, stride 2, then a dense layer of 800,
    softplus); the seeds' conv VAE (TensorFlow's tutorial) is
    ``channels=(32, 64), ksize=3, padding='valid', dense=(),
    activation='relu'``.

    Args:
        n_latent (int): Latent size.
        image_shape (tuple): ``(height, width)``.
        channels, ksize, stride, padding, dense, activation: The
            :class:`~vae_avb.links.ConvStack`.
        initialW: Weight initializer; ``None`` gives Xavier (the head's
            fans those of one ``features -> n_latent`` head).
        initial_bias: Bias initializer; ``None`` gives zeros.
    """

    def __init__(self, n_latent=8, image_shape=(28, 28),
                 channels=(16, 32, 32), ksize=5, stride=2, padding='same',
                 dense=(800,), activation='softplus', initialW=None,
                 initial_bias=None):
        chainer.Chain.__init__(self)
        self.n_latent = check_count(n_latent, 'n_latent',
                                    'ConvGaussianEncoder')
        check_initializer(initialW, 'initialW', 'ConvGaussianEncoder')
        with self.init_scope():
            self.body = ConvStack(image_shape, channels, ksize, stride,
                                  padding, dense, None, activation, 0,
                                  initialW, initial_bias,
                                  where='ConvGaussianEncoder')
            n_features = self.body.n_features
            # The body checked its own layers; the head's shapes now.
            check_initializer(initialW, 'initialW', 'ConvGaussianEncoder',
                              [(2 * self.n_latent, n_features)])
            check_initializer(initial_bias, 'initial_bias',
                              'ConvGaussianEncoder', [(2 * self.n_latent,)])
            self.head = L.Linear(
                n_features, 2 * self.n_latent,
                initialW=Xavier(n_features, self.n_latent)
                if initialW is None else initialW, initial_bias=initial_bias)
        self.n_in = self.body.n_in

    def forward_packed(self, x):
        """``(mu, ln_var)`` side by side, shape ``(B, 2 n_latent)``."""
        return self.head(self.body(x))
