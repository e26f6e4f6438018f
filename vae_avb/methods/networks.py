"""Network families: what a method builds its networks from.

A family makes each network a method needs (a Gaussian encoder, a noise
encoder, an adaptive-contrast encoder, a Bernoulli decoder, an
adversary) from the latent size and the method's own settings; another
family (convolutional networks, say) is another class with the same
methods, registered in :data:`FAMILIES`.
"""
import dataclasses
import numbers
import typing

import math

import numpy

from vae_avb.links import AdaptiveContrastEncoder
from vae_avb.links import Adversary
from vae_avb.links import BernoulliDecoder
from vae_avb.links import ConvAdaptiveContrastEncoder
from vae_avb.links import ConvBernoulliDecoder
from vae_avb.links import ConvGaussianEncoder
from vae_avb.links import ConvNoiseEncoder
from vae_avb.links import GaussianEncoder
from vae_avb.links import HeadsAdversary
from vae_avb.links import NoiseEncoder
from vae_avb.links.conv_stack import map_shapes
from vae_avb.links.deconv_stack import DECONV_PADDINGS
from vae_avb.links.deconv_stack import layer_sizes
from vae_avb.links.mlp import MAX_LAYERS
from vae_avb.utils.check import MAX_COUNT
from vae_avb.functions import ACTIVATIONS


def _check_positive_int(owner, name, value):
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError('{}: {} must be a positive integer, got {!r}'.format(
            owner, name, value))


def _check_activation(owner, name, value):
    if not isinstance(value, str) or value not in ACTIVATIONS:
        raise ValueError('{}: {} must be one of {}, got {!r}'.format(
            owner, name, ', '.join(sorted(ACTIVATIONS)), value))


@dataclasses.dataclass(frozen=True)
class MLPNetworks(object):

    """Multi-layer perceptrons: the encoder and the decoder have
    ``n_layers`` hidden layers of ``dim_h`` units, each adversary tower
    ``adversary_layers`` layers of ``adversary_dim_h``.

    Args:
        n_in (int): Data size (784 for MNIST).
        dim_h (int): Hidden width of encoder and decoder.
        n_layers (int): Hidden layers of encoder and decoder.
        activation (str): Activation of the encoders (and of the decoder
            unless ``decoder_activation`` is given).
        decoder_activation (str or None): The decoder's activation.
        adversary_dim_h (int): Width of the adversary's towers.
        adversary_layers (int): Layers of each adversary tower.
        adversary_activation (str): The adversary's activation.
        adversary_heads (int): 0: two towers whose last layers are linear
            (:class:`~vae_avb.links.Adversary`); above 0: the AVB authors'
            four towers with heads of this width
            (:class:`~vae_avb.links.HeadsAdversary`, their 8,192).
    """

    n_in: int = 784
    dim_h: int = 300
    n_layers: int = 2
    activation: str = 'relu'
    decoder_activation: typing.Optional[str] = None
    adversary_dim_h: int = 300
    adversary_layers: int = 2
    adversary_activation: str = 'relu'
    adversary_heads: int = 0

    family = 'mlp'
    # Settings only the adversary uses (a VAE does not).
    ADVERSARY_FIELDS = ('adversary_dim_h', 'adversary_layers',
                        'adversary_activation', 'adversary_heads')

    def __post_init__(self):
        for name in ('n_in', 'dim_h', 'n_layers', 'adversary_dim_h',
                     'adversary_layers'):
            _check_positive_int('MLPNetworks', name, getattr(self, name))
        for name in ('n_layers', 'adversary_layers'):
            if getattr(self, name) > MAX_LAYERS:
                raise ValueError('MLPNetworks: {} must be at most {}, got '
                                 '{}'.format(name, MAX_LAYERS,
                                             getattr(self, name)))
        for name in ('activation', 'adversary_activation'):
            _check_activation('MLPNetworks', name, getattr(self, name))
        _check_heads('MLPNetworks', self.adversary_heads)
        if self.decoder_activation is not None:
            _check_activation('MLPNetworks', 'decoder_activation',
                              self.decoder_activation)

    def gaussian_encoder(self, dim_z):
        return GaussianEncoder(self.n_in, dim_z, self.dim_h, self.n_layers,
                               self.activation)

    def noise_encoder(self, dim_z, dim_noise):
        return NoiseEncoder(self.n_in, dim_z, dim_noise, self.dim_h,
                            self.n_layers, self.activation)

    def contrast_encoder(self, dim_z, dim_noise, n_basis, coefficient_offset,
                         contrast):
        return AdaptiveContrastEncoder(
            self.n_in, dim_z, dim_noise, n_basis, self.dim_h, self.n_layers,
            self.activation, coefficient_offset=coefficient_offset,
            contrast=contrast)

    def decoder(self, dim_z):
        return BernoulliDecoder(dim_z, self.n_in, self.dim_h, self.n_layers,
                                self.decoder_activation or self.activation)

    def adversary(self, dim_z, prior_term, side_terms):
        return _adversary(self, dim_z, prior_term, side_terms)

    def to_dict(self):
        return dict(dataclasses.asdict(self), family=self.family)

    def n_params(self, config):
        """About how many weights the networks of ``config`` (a
        :class:`~vae_avb.methods.MethodConfig`) hold, to refuse sizes
        beyond memory before anything is allocated."""
        z, h = config.dim_z, self.dim_h
        total = _stack(z, h, self.n_layers, self.n_in)
        total += _stack(self.n_in + config.dim_noise, h, self.n_layers,
                        z * (config.n_basis + 1))
        total += _adversary_params(self, config)
        if config.method == 'avb_ac':
            total += config.n_basis * _stack(config.dim_noise, 64, 2, z)
        return total

    def activation_width(self, config):
        """About how many activations one example keeps through the
        networks of ``config`` in a training step."""
        width = 2 * (self.n_in + self.dim_h * self.n_layers) + \
            config.dim_noise + config.dim_z * (config.n_basis + 1)
        if config.method != 'vae':
            width += _adversary_width(self)
        return width


def _stack(n_in, width, layers, n_out):
    """Weights of an MLP ``n_in -> width (x layers) -> n_out``."""
    return n_in * width + (layers - 1) * width * width + width * n_out


def _check_heads(owner, value):
    if isinstance(value, bool) or not isinstance(value, int) or \
            not 0 <= value <= MAX_COUNT:
        raise ValueError('{}: adversary_heads must be 0 (two towers) or a '
                         'positive integer (the authors\' four towers with '
                         'heads), got {!r}'.format(owner, value))


def _adversary(networks, dim_z, prior_term, side_terms):
    """The adversary of a family's settings (both families share it)."""
    n = networks
    if not n.adversary_heads:
        return Adversary(n.n_in, dim_z, n.adversary_dim_h,
                         n.adversary_layers, n.adversary_activation,
                         prior_term=prior_term, side_terms=side_terms)
    if not side_terms:
        raise ValueError('the adversary with heads always has its x-only '
                         'and z-only terms; use side_terms=True, or '
                         'adversary_heads=0')
    return HeadsAdversary(n.n_in, dim_z, n.adversary_dim_h,
                          n.adversary_layers, n.adversary_heads,
                          n.adversary_activation, prior_term=prior_term)


def _adversary_params(networks, config):
    if config.method == 'vae':
        return 0
    a, layers = networks.adversary_dim_h, networks.adversary_layers
    heads = networks.adversary_heads
    if not heads:
        # Two towers of `layers` layers, the last linear, and the side
        # terms' read-outs.
        return _stack(networks.n_in, a, layers - 1, a) + \
            _stack(config.dim_z, a, layers - 1, a) + \
            (2 * a if config.side_terms else 0)
    # Four towers, two heads of `heads` units and two of one.
    return 2 * _stack(networks.n_in, a, layers, 0) + \
        2 * _stack(config.dim_z, a, layers, 0) + 2 * a * (heads + 1)


def _adversary_width(networks):
    """Activations per example the adversary keeps in a step."""
    if not networks.adversary_heads:
        return 4 * networks.adversary_dim_h * networks.adversary_layers
    return 8 * networks.adversary_dim_h * networks.adversary_layers + \
        4 * networks.adversary_heads


def _sizes(owner, name, value, allow_empty=False):
    """A tuple of positive integers from a tuple or a JSON list."""
    if not isinstance(value, (tuple, list)) or \
            (not value and not allow_empty):
        raise ValueError('{}: {} must be a {}list of positive integers, got '
                         '{!r}'.format(owner, name, '' if allow_empty
                                       else 'non-empty ', value))
    for size in value:
        _check_positive_int(owner, name, size)
        _check_at_most(owner, name, size, MAX_COUNT)
    return tuple(value)


def _check_at_most(owner, name, value, most):
    if value > most:
        raise ValueError('{}: {} must be at most {}, got {!r}'.format(
            owner, name, most, value))


@dataclasses.dataclass(frozen=True)
class ConvNetworks(object):

    """Convolutional networks; by default the AVB authors' MNIST networks
    (their ``conv1`` configuration of May 2017, Xavier weights, 5 x 5
    kernels, the sizes of TensorFlow's SAME padding; two layers of each
    network sit one pixel off TensorFlow's alignment, see
    :class:`~vae_avb.links.ConvStack`).

    Encoders: convolutions of ``channels`` (stride 2) and dense layers of
    ``dense``, then the method's head: ELU for the AVB encoders (the noise
    added after each convolution, :class:`~vae_avb.links.ConvNoiseEncoder`;
    the adaptive-contrast encoder with bases of ``n_noise_layers`` x
    ``n_noise_hidden``), softplus for the VAE's Gaussian encoder
    (``vae_activation``). Decoder: dense layers of ``decoder_dense``, a
    ``decoder_start_channels`` map, transposed convolutions of
    ``decoder_channels`` with ``decoder_strides``
    (:class:`~vae_avb.links.ConvBernoulliDecoder`). The adversary keeps
    the MLP towers of :class:`MLPNetworks`. As in the authors' code, the
    weights of the AVB encoders' code outputs (``z``, and ``z0`` of
    adaptive contrast) are drawn with standard deviation ``output_scale``
    (1e-5; ``None`` leaves them Xavier).

    :meth:`seed_vae` is the seeds' conv VAE (TensorFlow's tutorial).
    """

    image_shape: typing.Tuple[int, ...] = (28, 28)
    channels: typing.Tuple[int, ...] = (16, 32, 32)
    ksize: int = 5
    padding: str = 'same'
    dense: typing.Tuple[int, ...] = (800,)
    activation: str = 'elu'
    vae_activation: str = 'softplus'
    decoder_dense: typing.Tuple[int, ...] = (300,)
    decoder_start_channels: int = 32
    decoder_channels: typing.Tuple[int, ...] = (32, 16, 1)
    decoder_strides: typing.Tuple[int, ...] = (2, 2, 2)
    decoder_ksize: int = 5
    decoder_activation: str = 'softplus'
    decoder_padding: str = 'same'
    n_noise_hidden: int = 128
    n_noise_layers: int = 3
    noise_activation: str = 'elu'
    output_scale: typing.Optional[float] = 1e-5
    adversary_dim_h: int = 300
    adversary_layers: int = 2
    adversary_activation: str = 'relu'
    adversary_heads: int = 0

    family = 'conv'
    ADVERSARY_FIELDS = MLPNetworks.ADVERSARY_FIELDS

    def __post_init__(self):
        owner = 'ConvNetworks'
        for name, empty in (('image_shape', False), ('channels', False),
                            ('dense', True), ('decoder_dense', True),
                            ('decoder_channels', False),
                            ('decoder_strides', False)):
            object.__setattr__(self, name, _sizes(owner, name,
                                                  getattr(self, name), empty))
        for name in ('ksize', 'decoder_start_channels', 'decoder_ksize',
                     'n_noise_hidden', 'n_noise_layers', 'adversary_dim_h',
                     'adversary_layers'):
            _check_positive_int(owner, name, getattr(self, name))
            _check_at_most(owner, name, getattr(self, name), MAX_COUNT)
        for name in ('ksize', 'decoder_ksize'):
            # The padding of ksize // 2 centres odd kernels only.
            if getattr(self, name) % 2 == 0:
                raise ValueError('ConvNetworks: {} must be odd (the padding '
                                 'is ksize // 2 on each side), got '
                                 '{}'.format(name, getattr(self, name)))
        if self.adversary_layers > MAX_LAYERS or \
                self.n_noise_layers > MAX_LAYERS:
            raise ValueError('ConvNetworks: adversary_layers and '
                             'n_noise_layers must be at most {}'.format(
                                 MAX_LAYERS))
        for name in ('activation', 'vae_activation', 'decoder_activation',
                     'noise_activation', 'adversary_activation'):
            _check_activation(owner, name, getattr(self, name))
        _check_heads(owner, self.adversary_heads)
        if self.output_scale is not None:
            if isinstance(self.output_scale, bool) or \
                    not isinstance(self.output_scale, numbers.Real) or \
                    not 0 < self.output_scale <= 1:
                raise ValueError('ConvNetworks: output_scale must be None '
                                 '(Xavier) or a standard deviation above 0 '
                                 'and at most 1, got {!r}'.format(
                                     self.output_scale))
            object.__setattr__(self, 'output_scale',
                               float(self.output_scale))
        if len(self.image_shape) != 2:
            raise ValueError('ConvNetworks: image_shape must be (height, '
                             'width), got {!r}'.format(self.image_shape))
        if not isinstance(self.decoder_padding, str) or \
                self.decoder_padding not in DECONV_PADDINGS:
            raise ValueError('ConvNetworks: decoder_padding must be one of '
                             '{}, got {!r}'.format(', '.join(DECONV_PADDINGS),
                                                   self.decoder_padding))
        # The Links' own checks (padding, sizes that leave no pixel,
        # strides against channels), on the sizes alone: nothing is built.
        self._map_shapes()
        layer_sizes(self.image_shape, self.decoder_channels,
                    self.decoder_strides, owner)

    @classmethod
    def seed_vae(cls):
        """The seeds' conv VAE, after TensorFlow's "Convolutional
        Variational Autoencoder" tutorial: conv 32 and 64, 3 x 3, stride
        2, VALID, ReLU, the heads on the flat map; decoder dense 7 x 7 x
        32, transposed conv 64 and 32 (stride 2) and 1 (stride 1), 3 x 3,
        ReLU."""
        return cls(channels=(32, 64), ksize=3, padding='valid', dense=(),
                   activation='relu', vae_activation='relu',
                   decoder_dense=(), decoder_start_channels=32,
                   decoder_channels=(64, 32, 1), decoder_strides=(2, 2, 1),
                   decoder_ksize=3, decoder_activation='relu')

    def tf_aligned(self):
        """These networks with TensorFlow's ``SAME`` alignment: the
        ``'same'`` convolutions and the transposed ones pad and crop the
        odd pixel after, as the AVB authors' and the seeds' TensorFlow
        code (``'tf_same'``; ``'valid'`` is unchanged). Same sizes and
        weights."""
        return dataclasses.replace(
            self, padding='tf_same' if self.padding == 'same'
            else self.padding, decoder_padding='tf_same')

    @property
    def n_in(self):
        return self.image_shape[0] * self.image_shape[1]

    def _map_shapes(self):
        return map_shapes(self.image_shape, self.channels, self.ksize, 2,
                          self.padding, 'ConvNetworks')

    def _encoder_args(self):
        return dict(image_shape=self.image_shape, channels=self.channels,
                    ksize=self.ksize, padding=self.padding, dense=self.dense)

    def gaussian_encoder(self, dim_z):
        return ConvGaussianEncoder(dim_z, activation=self.vae_activation,
                                   **self._encoder_args())

    def noise_encoder(self, dim_z, dim_noise):
        encoder = ConvNoiseEncoder(dim_z, dim_noise,
                                   activation=self.activation,
                                   **self._encoder_args())
        self._draw_output(encoder.body.output, dim_z)
        return encoder

    def _draw_output(self, layer, rows):
        """The authors' start for the AVB encoders' codes: the weights of
        the first ``rows`` outputs (z, or z0 of adaptive contrast) drawn
        from N(0, output_scale^2), so that every code starts near 0 and
        moves by the noise."""
        if self.output_scale is not None:
            W = layer.W.array
            W[:rows] = numpy.random.normal(
                scale=self.output_scale, size=W[:rows].shape)

    def contrast_encoder(self, dim_z, dim_noise, n_basis, coefficient_offset,
                         contrast):
        encoder = ConvAdaptiveContrastEncoder(
            dim_z, dim_noise, n_basis, activation=self.activation,
            n_noise_hidden=self.n_noise_hidden,
            n_noise_layers=self.n_noise_layers,
            noise_activation=self.noise_activation,
            coefficient_offset=coefficient_offset, contrast=contrast,
            **self._encoder_args())
        # z0 is the first dim_z outputs (the a_i follow).
        self._draw_output(encoder.mlp.output, dim_z)
        return encoder

    def decoder(self, dim_z):
        return ConvBernoulliDecoder(
            dim_z, self.image_shape, self.decoder_dense,
            self.decoder_start_channels, self.decoder_channels,
            self.decoder_strides, self.decoder_ksize,
            self.decoder_activation, padding=self.decoder_padding)

    def adversary(self, dim_z, prior_term, side_terms):
        return _adversary(self, dim_z, prior_term, side_terms)

    def to_dict(self):
        value = {k: list(v) if isinstance(v, tuple) else v
                 for k, v in dataclasses.asdict(self).items()}
        return dict(value, family=self.family)

    def _feature_size(self):
        """Values per image after the convolutions."""
        return math.prod(self._map_shapes()[-1])

    def _conv_params(self, n_noise):
        """Weights of the convolutions (and noise maps) of an encoder."""
        total = 0
        for c_in, (c_out, h, w) in zip((1,) + self.channels,
                                       self._map_shapes()):
            total += c_in * c_out * self.ksize ** 2 + n_noise * c_out * h * w
        return total

    def _dense_params(self, n_out):
        sizes = [self._feature_size()] + list(self.dense) + [n_out]
        return sum(a * b for a, b in zip(sizes[:-1], sizes[1:]))

    def n_params(self, config):
        z = config.dim_z
        if config.method == 'vae':
            total = self._conv_params(0) + self._dense_params(2 * z)
        elif config.method == 'avb':
            total = self._conv_params(config.dim_noise) + \
                self._dense_params(z)
        else:
            total = self._conv_params(0) + \
                self._dense_params(z * (config.n_basis + 1)) + \
                config.n_basis * _stack(config.dim_noise, self.n_noise_hidden,
                                        self.n_noise_layers, z)
        start = self.decoder_start_channels * math.prod(layer_sizes(
            self.image_shape, self.decoder_channels,
            self.decoder_strides)[0])
        widths = [z] + list(self.decoder_dense) + [start]
        total += sum(a * b for a, b in zip(widths[:-1], widths[1:]))
        total += sum(a * b * self.decoder_ksize ** 2 for a, b in zip(
            (self.decoder_start_channels,) + self.decoder_channels,
            self.decoder_channels))
        return total + _adversary_params(self, config)

    def activation_width(self, config):
        maps = sum(math.prod(shape) for shape in self._map_shapes())
        sizes = layer_sizes(self.image_shape, self.decoder_channels,
                            self.decoder_strides)
        decoder_maps = self.decoder_start_channels * math.prod(sizes[0]) + \
            sum(c * math.prod(size)
                for c, size in zip(self.decoder_channels, sizes[1:]))
        # The encoder's and the decoder's maps, the dense layers, the noise
        # and the heads.
        width = 2 * (self.n_in + maps + decoder_maps + sum(self.dense) +
                     sum(self.decoder_dense)) + config.dim_noise + \
            config.dim_z * (config.n_basis + 1)
        if config.method != 'vae':
            width += _adversary_width(self)
        return width


# Settings each family gained after run folders were first written
# (2026-12-06), with the value the older runs were built with; a
# method.json without them reads as those runs were.
ADDED_SETTINGS = {
    'mlp': {'adversary_heads': 0},
    'conv': {'adversary_heads': 0, 'output_scale': None,
             'decoder_padding': 'same'},
}

# Family name -> class; a new family registers itself here.
FAMILIES = {'mlp': MLPNetworks, 'conv': ConvNetworks}


def networks_from_dict(value):
    """The family an entry of ``method.json`` describes."""
    if not isinstance(value, dict):
        raise ValueError('networks must be a JSON object, got {!r}'.format(
            value))
    value = dict(value)
    family = value.pop('family', 'mlp')
    if not isinstance(family, str) or family not in FAMILIES:
        raise ValueError('unknown network family {!r}; known: {}'.format(
            family, ', '.join(sorted(FAMILIES))))
    cls = FAMILIES[family]
    # Settings added after runs were written: what those runs were built
    # with (two-tower adversary; conv code outputs left Xavier).
    if family == 'conv' and value.get('padding') == 'tf_same' and \
            'decoder_padding' not in value:
        # Written with TensorFlow's alignment, so after decoder_padding
        # existed: its absence is an edit, not an older run.
        raise ValueError("networks lacks decoder_padding (padding is "
                         "'tf_same')")
    for name, before in ADDED_SETTINGS.get(family, {}).items():
        value.setdefault(name, before)
    known = {f.name for f in dataclasses.fields(cls)}
    unknown = sorted(set(value) - known)
    if unknown:
        raise ValueError('{} has no setting {}; known: {}'.format(
            cls.__name__, ', '.join(unknown), ', '.join(sorted(known))))
    missing = sorted(known - set(value))
    if missing:
        raise ValueError('networks lacks {}'.format(', '.join(missing)))
    return cls(**value)
