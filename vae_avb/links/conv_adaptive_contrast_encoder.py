from vae_avb.links.adaptive_contrast_encoder import AdaptiveContrastEncoder
from vae_avb.links.conv_stack import ConvStack
from vae_avb.utils.check import check_count


class ConvAdaptiveContrastEncoder(AdaptiveContrastEncoder):

    """The adaptive-contrast encoder ``z = z0(x) + sum_i a_i(x) v_i(eps_i)``
    (Mescheder et al. 2017, Section 4) with a convolutional x network.

    :class:`~vae_avb.links.AdaptiveContrastEncoder` whose x network
    ``mlp`` is a :class:`~vae_avb.links.ConvStack` (convolutions, dense
    layers, a linear output of ``n_latent * (1 + n_basis)`` for ``z0`` and
    the ``a_i``); the noise bases, the posterior moments and
    :meth:`posterior` are unchanged. The defaults are the authors' MNIST
    adaptive-contrast encoder (16, 32, 32 channels of 5 x 5, stride 2, a
    dense layer of 800, ELU; bases of 3 x 128 ELU units).

    Args:
        n_latent (int): Latent size.
        n_noise (int): Noise size of each basis network.
        n_basis (int): Number of bases.
        image_shape, channels, ksize, stride, padding, dense, activation:
            The :class:`~vae_avb.links.ConvStack`.
        n_noise_hidden, n_noise_layers, noise_activation, center_x,
            coefficient_offset, contrast, initialW, initial_bias: As for
            :class:`~vae_avb.links.AdaptiveContrastEncoder`.
    """

    def __init__(self, n_latent=8, n_noise=16, n_basis=32,
                 image_shape=(28, 28), channels=(16, 32, 32), ksize=5,
                 stride=2, padding='same', dense=(800,), activation='elu',
                 n_noise_hidden=128, n_noise_layers=3, noise_activation='elu',
                 center_x=True, coefficient_offset=5., contrast='diagonal',
                 initialW=None, initial_bias=None):
        n_latent = check_count(n_latent, 'n_latent',
                               'ConvAdaptiveContrastEncoder')
        n_basis = check_count(n_basis, 'n_basis',
                              'ConvAdaptiveContrastEncoder')
        self._build(lambda: ConvStack(
            image_shape, channels, ksize, stride, padding, dense,
            n_latent * (1 + n_basis), activation, 0, initialW,
            initial_bias, where='ConvAdaptiveContrastEncoder'), n_latent,
            n_noise, n_basis, n_noise_hidden, n_noise_layers,
            noise_activation, center_x, coefficient_offset, contrast,
            initialW, initial_bias)
