import chainer

from vae_avb.links.bernoulli_decoder import BernoulliDecoder
from vae_avb.links.deconv_stack import DeconvStack
from vae_avb.utils.check import check_count


class ConvBernoulliDecoder(BernoulliDecoder):

    """Convolutional Bernoulli decoder ``p(x|z) = prod_d Bernoulli(x_d |
    sigmoid(f(z))_d)``, ``f`` a :class:`~vae_avb.links.DeconvStack`.

    :class:`~vae_avb.links.BernoulliDecoder` with another network: the
    same logits, probabilities, distributions, ``(k, B, n_latent)`` codes
    and constant-weight evaluation, images flattened to ``(B, height *
    width)``.

    The defaults are the AVB authors' MNIST decoder (their ``conv1``: a
    dense layer of 300 and one to 4 x 4 x 32, then transposed
    convolutions of 32, 16 and 1 channels, 5 x 5, stride 2, softplus); the
    seeds' conv VAE is ``dense=(), start_channels=32, channels=(64, 32,
    1), strides=(2, 2, 1), ksize=3, activation='relu'``.

    Args:
        n_latent (int): Latent size.
        image_shape, dense, start_channels, channels, strides, ksize,
            activation, initialW, initial_bias, padding: The
            :class:`~vae_avb.links.DeconvStack`.
    """

    def __init__(self, n_latent=8, image_shape=(28, 28), dense=(300,),
                 start_channels=32, channels=(32, 16, 1), strides=(2, 2, 2),
                 ksize=5, activation='softplus', initialW=None,
                 initial_bias=None, padding='same'):
        chainer.Chain.__init__(self)
        self.n_latent = check_count(n_latent, 'n_latent',
                                    'ConvBernoulliDecoder')
        with self.init_scope():
            self.deconv = DeconvStack(
                self.n_latent, image_shape, dense, start_channels, channels,
                strides, ksize, activation, initialW, initial_bias, padding,
                where='ConvBernoulliDecoder')
        self.n_out = self.deconv.n_out

    @property
    def network(self):
        return self.deconv
