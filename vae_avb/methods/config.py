"""The configuration a method is built from, and its JSON form."""
import dataclasses
import math
import typing

import numpy

from vae_avb.methods.networks import FAMILIES
from vae_avb.methods.networks import MLPNetworks
from vae_avb.methods.networks import networks_from_dict

METHODS = ('vae', 'avb', 'avb_ac')
CONTRASTS = ('diagonal', 'full')
# Version of the JSON form; a file of a newer version is refused.
VERSION = 1
# The most parameters a configuration may ask for (checked before any
# allocation).
MAX_PARAMS = 500 * 10 ** 6


@dataclasses.dataclass(frozen=True)
class MethodConfig(object):

    """Everything that fixes a method's networks, losses and optimizers.

    The defaults are those of ``examples/mnist/train_avb.py`` (the
    authors' MNIST settings where the paper gives them). ``None`` entries
    are resolved on creation, so that the JSON form (:meth:`to_dict`)
    rebuilds the same model even if a default changes later; a copy made
    with :func:`dataclasses.replace` keeps them resolved (give
    ``dim_noise=None, adversary_lr=None`` to have them derived again).

    Args:
        method (str): ``'vae'``, ``'avb'`` (Algorithm 1) or ``'avb_ac'``
            (AVB with adaptive contrast, Algorithm 2).
        dim_z (int): Latent size.
        networks: The network family (:class:`MLPNetworks` or
            :class:`ConvNetworks`).
        dim_noise (int): Noise size of the AVB encoders (default
            ``2 dim_z``, the authors' 16 for 8 and 64 for 32).
        n_basis (int): Noise bases of the adaptive-contrast encoder.
        contrast (str): ``'diagonal'`` (the paper's r(z|x)) or ``'full'``.
        coefficient_offset (float or None): The adaptive-contrast
            coefficients ``a_i = elu(l_i - offset) + 1``; ``None`` for
            ``a_i = l_i``.
        prior_term (bool): The adversary adds ``0.5 ||z||^2``.
        side_terms (bool): The adversary adds x-only and z-only terms.
        lr (float): Adam step size of encoder and decoder.
        decoder_lr (float or None): The decoder's own step size; ``None``
            shares ``lr``.
        adversary_lr (float): The adversary's step size (default ``2
            lr``, as the authors).
        beta1 (float): Adam's first-moment decay, in [0, 1).
        adversary_steps (int): Adversary steps per encoder/decoder step.
    """

    method: str = 'avb'
    dim_z: int = 32
    networks: MLPNetworks = MLPNetworks()
    dim_noise: typing.Optional[int] = None
    n_basis: int = 32
    contrast: str = 'diagonal'
    coefficient_offset: typing.Optional[float] = 5.
    prior_term: bool = True
    side_terms: bool = True
    lr: float = 3e-4
    decoder_lr: typing.Optional[float] = None
    adversary_lr: typing.Optional[float] = None
    beta1: float = 0.5
    adversary_steps: int = 1

    def __post_init__(self):
        def fail(name, problem):
            raise ValueError('MethodConfig: {} {}, got {!r}'.format(
                name, problem, getattr(self, name)))
        for field in dataclasses.fields(self):
            # NumPy scalars (a size read from an array) as Python numbers,
            # which the JSON form needs.
            value = getattr(self, field.name)
            if isinstance(value, numpy.generic) and \
                    value.dtype.kind in 'iuf':
                object.__setattr__(self, field.name, value.item())
        if self.method not in METHODS:
            fail('method', 'must be one of {}'.format(', '.join(METHODS)))
        if not isinstance(self.networks, tuple(FAMILIES.values())):
            fail('networks', 'must be a network family ({})'.format(
                ', '.join(cls.__name__ for cls in FAMILIES.values())))
        if self.dim_noise is None:
            object.__setattr__(self, 'dim_noise', 2 * self.dim_z
                               if _is_count(self.dim_z) else None)
        if self.adversary_lr is None and _is_number(self.lr):
            if not math.isfinite(2 * self.lr):
                fail('lr', 'is too large: twice it, the adversary\'s '
                     'default step size, overflows')
            object.__setattr__(self, 'adversary_lr', 2 * self.lr)
        for name in ('dim_z', 'dim_noise', 'n_basis', 'adversary_steps'):
            if not _is_count(getattr(self, name)):
                fail(name, 'must be a positive integer')
        for name in ('lr', 'adversary_lr', 'decoder_lr'):
            value = getattr(self, name)
            if not (value is None and name == 'decoder_lr') and not (
                    _is_number(value) and value > 0):
                fail(name, 'must be a positive finite number')
        if not (_is_number(self.beta1) and 0 <= self.beta1 < 1):
            fail('beta1', 'must be in [0, 1)')
        if self.contrast not in CONTRASTS:
            fail('contrast', 'must be one of {}'.format(', '.join(CONTRASTS)))
        if self.coefficient_offset is not None and not (
                _is_number(self.coefficient_offset) and
                abs(self.coefficient_offset) <= _FLOAT32_MAX):
            # The networks are float32: a larger offset is inf there.
            fail('coefficient_offset', 'must be a finite number of at most '
                 '{:g} in size (float32) or None'.format(_FLOAT32_MAX))
        for name in ('prior_term', 'side_terms'):
            if not isinstance(getattr(self, name), bool):
                fail(name, 'must be true or false')
        if self.method != 'vae' and not self.side_terms and \
                getattr(self.networks, 'adversary_heads', 0):
            fail('side_terms', 'must be true with adversary_heads (the '
                 'authors\' adversary always has its x-only and z-only '
                 'terms)')
        if self.n_params() > MAX_PARAMS:
            raise ValueError(
                'MethodConfig: the networks would hold about {:,} '
                'parameters, more than {:,} ({} GiB of float32 with their '
                'Adam state); choose smaller sizes'.format(
                    self.n_params(), MAX_PARAMS, 3 * 4 * MAX_PARAMS >> 30))

    def to_dict(self):
        """The JSON form (:func:`config_from_dict` reads it back)."""
        value = dataclasses.asdict(self)
        value['networks'] = self.networks.to_dict()
        return dict(version=VERSION, **value)

    def n_params(self):
        """About how many parameters the method's networks hold (the
        weights of their layers), to refuse sizes beyond memory before
        anything is allocated."""
        return self.networks.n_params(self)


def _is_count(value):
    return isinstance(value, int) and not isinstance(value, bool) \
        and value >= 1


_FLOAT32_MAX = float(numpy.finfo(numpy.float32).max)


def _is_number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool) \
        and math.isfinite(value)


def config_from_dict(value):
    """The :class:`MethodConfig` of a ``method.json`` object.

    Raises:
        ValueError: One line naming the entry that is missing, unknown or
            out of range.
    """
    if not isinstance(value, dict):
        raise ValueError('a method configuration must be a JSON object, '
                         'got {}'.format(type(value).__name__))
    value = dict(value)
    version = value.pop('version', None)
    if type(version) is not int or version != VERSION:
        raise ValueError('method configuration version {!r} is not {} (the '
                         'one this vae_avb reads); rebuild the run with this '
                         'version'.format(version, VERSION))
    known = {f.name for f in dataclasses.fields(MethodConfig)}
    unknown = sorted(set(value) - known)
    if unknown:
        raise ValueError('method configuration has unknown entries {}; '
                         'known: {}'.format(', '.join(unknown),
                                            ', '.join(sorted(known))))
    missing = sorted(known - set(value))
    if missing:
        raise ValueError('method configuration lacks {}'.format(
            ', '.join(missing)))
    try:
        value['networks'] = networks_from_dict(value['networks'])
        return MethodConfig(**value)
    except TypeError as e:
        raise ValueError('method configuration is malformed ({})'.format(e))


def config_from_train_avb_args(args):
    """The configuration of a run folder written by ``train_avb.py``
    before ``method.json`` existed (2026-12-05), from its ``args.json``.

    Entries that such old files may lack get the value those runs used:
    no ``contrast`` means ``'diagonal'``, no ``coefficient_offset`` means
    ``None`` (runs before that flag used ``a_i = l_i``). The activation is
    ReLU and the adversary has the prior and side terms, as the script
    always built them.
    """
    try:
        method = args['method']
        if method not in ('avb', 'vae'):
            raise ValueError('method {!r} is not avb or vae'.format(method))
        if method == 'avb' and args.get('adaptive_contrast'):
            method = 'avb_ac'
        networks = MLPNetworks(
            784, args['dim_h'], args['n_layers'], 'relu', None,
            args['adversary_dim_h'], args['adversary_layers'], 'relu')
        return MethodConfig(
            method=method, dim_z=args['dim_z'], networks=networks,
            dim_noise=args['dim_noise'], n_basis=args['n_basis'],
            contrast=args.get('contrast', 'diagonal'),
            coefficient_offset=args.get('coefficient_offset'),
            lr=args['lr'], adversary_lr=args['adversary_lr'],
            beta1=args['beta1'], adversary_steps=args['adversary_steps'])
    except KeyError as e:
        raise ValueError('args.json lacks {}'.format(e))
    except TypeError as e:
        raise ValueError('args.json is malformed ({})'.format(e))
