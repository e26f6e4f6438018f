import chainer

from vae_avb.links.conv_stack import ConvStack
from vae_avb.links.noise_encoder import NoiseEncoder
from vae_avb.utils.check import check_bool
from vae_avb.utils.check import check_count


class ConvNoiseEncoder(NoiseEncoder):

    """AVB's implicit encoder ``z = f(x, eps)`` on convolutions, the noise
    added after every convolution as in the authors' MNIST code.

    A :class:`~vae_avb.links.ConvStack` with ``n_noise`` (after each
    convolution's activation, a linear map of ``eps`` shaped as the
    feature map is added), its dense layers, then a linear layer to ``z``
    (Mescheder et al. 2017, Section 3; the authors' ``conv1`` encoder: 16,
    32, 32 channels of 5 x 5, stride 2, ELU, a dense layer of 800).
    :meth:`forward`, :meth:`sample` and :meth:`sample_noise` are those of
    :class:`~vae_avb.links.NoiseEncoder`.

    Args:
        n_latent (int): Latent size.
        n_noise (int or None): Noise size; ``None`` is ``n_latent``.
        image_shape, channels, ksize, stride, padding, dense, activation:
            The :class:`~vae_avb.links.ConvStack`.
        center_x (bool): Feed ``2x - 1`` instead of ``x``.
        initialW: Weight initializer; ``None`` gives Xavier.
        initial_bias: Bias initializer; ``None`` gives zeros.
    """

    def __init__(self, n_latent=8, n_noise=None, image_shape=(28, 28),
                 channels=(16, 32, 32), ksize=5, stride=2, padding='same',
                 dense=(800,), activation='elu', center_x=True,
                 initialW=None, initial_bias=None):
        chainer.Chain.__init__(self)
        self.n_latent = check_count(n_latent, 'n_latent', 'ConvNoiseEncoder')
        self.n_noise = self.n_latent if n_noise is None else check_count(
            n_noise, 'n_noise', 'ConvNoiseEncoder')
        self.center_x = check_bool(center_x, 'center_x', 'ConvNoiseEncoder')
        with self.init_scope():
            self.body = ConvStack(image_shape, channels, ksize, stride,
                                  padding, dense, self.n_latent, activation,
                                  self.n_noise, initialW, initial_bias,
                                  where='ConvNoiseEncoder')
        self.n_in = self.body.n_in

    @property
    def dtype(self):
        return self.body.dtype

    def forward(self, x, eps=None):
        x, eps = self._inputs(x, eps)
        return self.body(x, eps)

    def sample(self, x, eps=None):
        x, eps = self._inputs(chainer.as_array(x), eps)
        with chainer.no_backprop_mode():
            return self.body(x, chainer.as_array(eps)).array
