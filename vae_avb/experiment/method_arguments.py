"""The flags of a method's configuration, with its defaults."""
import dataclasses

from vae_avb.experiment.architectures import add_arch_argument
from vae_avb.experiment.architectures import conv_networks
from vae_avb.experiment.architectures import resolve_mlp_flags
from vae_avb.experiment.arguments import layer_count
from vae_avb.experiment.arguments import non_negative_int
from vae_avb.experiment.arguments import number_or_none
from vae_avb.experiment.arguments import positive_float
from vae_avb.experiment.arguments import positive_int
from vae_avb.methods import ConvNetworks
from vae_avb.methods import MethodConfig
from vae_avb.methods import MLPNetworks
from vae_avb.functions import ACTIVATIONS

_DEFAULTS = MethodConfig()
_NETWORKS = MLPNetworks()
# Configuration fields that are flags of the same name.
_FLAG_FIELDS = ('dim_z', 'dim_noise', 'n_basis', 'contrast',
                'coefficient_offset', 'dim_h', 'n_layers', 'adversary_dim_h',
                'adversary_layers', 'adversary_activation',
                'adversary_heads', 'lr', 'adversary_lr', 'beta1',
                'adversary_steps')


def add_method_arguments(parser):
    """``--method``, ``--adaptive-contrast``, ``--contrast``, ``--arch`` and
    the sizes and step sizes of a :class:`~vae_avb.methods.MethodConfig`;
    the defaults are the configuration's own (one place)."""
    parser.add_argument('--method', choices=['avb', 'vae'], default='avb')
    add_arch_argument(parser, "the AVB authors' MNIST networks: conv 16, 32, "
                      '32, 5x5, stride 2, dense 800; decoder dense 300, '
                      'transposed conv 32, 16, 1')
    parser.add_argument('--adaptive-contrast', action='store_true',
                        help='AVB with adaptive contrast (Algorithm 2)')
    parser.add_argument('--dim-z', '-z', type=positive_int,
                        default=_DEFAULTS.dim_z)
    parser.add_argument('--dim-noise', type=positive_int, default=None,
                        help='encoder noise size (default: 2 x dim-z, the '
                        'authors\' 16 for z 8 and 64 for z 32)')
    parser.add_argument('--n-basis', type=positive_int,
                        default=_DEFAULTS.n_basis,
                        help='noise bases of the adaptive-contrast encoder')
    parser.add_argument('--contrast', choices=['diagonal', 'full'],
                        default=_DEFAULTS.contrast,
                        help='adaptive contrast: the Gaussian r(z|x) fitted '
                        'to q(z|x), with its variances (the paper) or its '
                        'full covariance')
    parser.add_argument('--coefficient-offset', type=number_or_none,
                        default=_DEFAULTS.coefficient_offset,
                        help='adaptive contrast: coefficients a_i = elu(l_i '
                        '- OFFSET) + 1 of the encoder outputs l_i, as the '
                        'authors (default 5); "none" for a_i = l_i')
    parser.add_argument('--dim-h', type=positive_int,
                        help='--arch mlp: hidden width of encoder and '
                        'decoder (default {})'.format(_NETWORKS.dim_h))
    parser.add_argument('--n-layers', type=layer_count,
                        help='--arch mlp: hidden layers of encoder and '
                        'decoder (default {})'.format(_NETWORKS.n_layers))
    parser.add_argument('--adversary-dim-h', type=positive_int,
                        default=_NETWORKS.adversary_dim_h)
    parser.add_argument('--adversary-layers', type=layer_count,
                        default=_NETWORKS.adversary_layers,
                        help='layers of each adversary tower')
    parser.add_argument('--adversary-activation', choices=sorted(ACTIVATIONS),
                        default=_NETWORKS.adversary_activation,
                        help='activation of the adversary towers (default '
                        '{}; the authors: leaky_relu)'.format(
                            _NETWORKS.adversary_activation))
    parser.add_argument('--adversary-heads', type=non_negative_int,
                        default=_NETWORKS.adversary_heads,
                        help='0 (default): two towers, the last layers '
                        'linear; N: the AVB authors\' four towers with heads '
                        'of N units (theirs: 8192, with --adversary-dim-h '
                        '1024 --adversary-layers 3 --adversary-activation '
                        'leaky_relu)')
    parser.add_argument('--lr', type=positive_float, default=_DEFAULTS.lr,
                        help='Adam step size of encoder and decoder')
    parser.add_argument('--adversary-lr', type=positive_float,
                        help='Adam step size of the adversary (default: 2 x '
                        '--lr, as the authors)')
    parser.add_argument('--beta1', type=float, default=_DEFAULTS.beta1)
    parser.add_argument('--adversary-steps', type=positive_int,
                        default=_DEFAULTS.adversary_steps,
                        help='adversary steps per encoder/decoder step')


def method_config(parser, args, n_in=784):
    """The :class:`~vae_avb.methods.MethodConfig` the flags of
    :func:`add_method_arguments` describe; a bad combination or value
    exits with argparse's one-line error naming the flag."""
    if args.adaptive_contrast and args.method != 'avb':
        parser.error('--adaptive-contrast needs --method avb')
    if args.contrast != 'diagonal' and not args.adaptive_contrast:
        parser.error('--contrast {} needs --adaptive-contrast'.format(
            args.contrast))
    resolve_mlp_flags(parser, args, {'dim_h': _NETWORKS.dim_h,
                                     'n_layers': _NETWORKS.n_layers})
    adversary = dict(adversary_dim_h=args.adversary_dim_h,
                     adversary_layers=args.adversary_layers,
                     adversary_activation=args.adversary_activation,
                     adversary_heads=args.adversary_heads)
    try:
        if args.arch == 'conv':
            if n_in != 784:
                parser.error('--arch conv takes 28x28 images (784 values), '
                             'the data have {}'.format(n_in))
            networks = conv_networks(ConvNetworks(**adversary),
                                     args.conv_padding)
        else:
            networks = dataclasses.replace(
                _NETWORKS, n_in=n_in, dim_h=args.dim_h,
                n_layers=args.n_layers, **adversary)
        return MethodConfig(
            method='avb_ac' if args.adaptive_contrast else args.method,
            dim_z=args.dim_z, networks=networks,
            dim_noise=args.dim_noise, n_basis=args.n_basis,
            contrast=args.contrast,
            coefficient_offset=args.coefficient_offset, lr=args.lr,
            adversary_lr=args.adversary_lr, beta1=args.beta1,
            adversary_steps=args.adversary_steps)
    except ValueError as e:
        # 'MethodConfig: beta1 must be ...' -> '--beta1 must be ...'
        text = str(e).replace('MethodConfig: ', '')
        name, _, rest = text.partition(' ')
        if name in _FLAG_FIELDS:
            text = '--{} {}'.format(name.replace('_', '-'), rest)
        parser.error(text)
