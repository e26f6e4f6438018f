"""Network families: what a method builds its networks from.

A family makes each network a method needs (a Gaussian encoder, a noise
encoder, an adaptive-contrast encoder, a Bernoulli decoder, an
adversary) from the latent size and the method's own settings; another
family (convolutional networks, say) is another class with the same
methods, registered in :data:`FAMILIES`.
"""
import dataclasses
import typing

from vae_avb.links import AdaptiveContrastEncoder
from vae_avb.links import Adversary
from vae_avb.links import BernoulliDecoder
from vae_avb.links import GaussianEncoder
from vae_avb.links import NoiseEncoder
from vae_avb.links.mlp import MAX_LAYERS
from vae_avb.utils.activation import ACTIVATIONS


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
    """

    n_in: int = 784
    dim_h: int = 300
    n_layers: int = 2
    activation: str = 'relu'
    decoder_activation: typing.Optional[str] = None
    adversary_dim_h: int = 300
    adversary_layers: int = 2
    adversary_activation: str = 'relu'

    family = 'mlp'
    # Settings only the adversary uses (a VAE does not).
    ADVERSARY_FIELDS = ('adversary_dim_h', 'adversary_layers',
                        'adversary_activation')

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
        return Adversary(self.n_in, dim_z, self.adversary_dim_h,
                         self.adversary_layers, self.adversary_activation,
                         prior_term=prior_term, side_terms=side_terms)

    def to_dict(self):
        return dict(dataclasses.asdict(self), family=self.family)


# Family name -> class; a new family registers itself here.
FAMILIES = {'mlp': MLPNetworks}


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
    known = {f.name for f in dataclasses.fields(cls)}
    unknown = sorted(set(value) - known)
    if unknown:
        raise ValueError('{} has no setting {}; known: {}'.format(
            cls.__name__, ', '.join(unknown), ', '.join(sorted(known))))
    missing = sorted(known - set(value))
    if missing:
        raise ValueError('networks lacks {}'.format(', '.join(missing)))
    return cls(**value)
