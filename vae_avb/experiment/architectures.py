"""``--arch``: the network family of a script, MLP or convolutional."""
from vae_avb.links import VAE
from vae_avb.methods import ConvNetworks
from vae_avb.methods import MethodConfig

ARCHITECTURES = ('mlp', 'conv')


CONV_PADDINGS = ('same', 'tf_same')


def add_arch_argument(parser, conv):
    """``--arch {mlp,conv}``; ``conv`` says what the conv networks are.
    Also ``--conv-padding``."""
    parser.add_argument('--arch', choices=ARCHITECTURES, default='mlp',
                        help='network family: mlp (the default) or conv '
                        '({})'.format(conv))
    parser.add_argument('--conv-padding', choices=CONV_PADDINGS,
                        default='same',
                        help="--arch conv: 'same' (the default) pads ksize "
                        "// 2 on each side; 'tf_same' is TensorFlow's SAME "
                        'exactly, the odd pixel after (the alignment of the '
                        "authors' and the seeds' code; same sizes and "
                        'weights)')


def conv_networks(networks, conv_padding):
    """``networks`` (:class:`~vae_avb.methods.ConvNetworks`) with the
    alignment ``--conv-padding`` names."""
    return networks.tf_aligned() if conv_padding == 'tf_same' else networks


def check_conv_padding(parser, args):
    """A ``--conv-padding`` other than ``same`` needs ``--arch conv``."""
    if args.arch != 'conv' and args.conv_padding != 'same':
        parser.error('--conv-padding {} sets the conv networks; add --arch '
                     'conv'.format(args.conv_padding))


def resolve_mlp_flags(parser, args, defaults):
    """Gives the MLP flags (``defaults``: name -> value, for those
    ``args`` has) their defaults with ``--arch mlp``; with ``--arch conv``
    a given one is a usage error, and they stay ``None``. Checks
    ``--conv-padding`` too (:func:`check_conv_padding`)."""
    check_conv_padding(parser, args)
    for name, default in defaults.items():
        if getattr(args, name) is None:
            if args.arch == 'mlp':
                setattr(args, name, default)
        elif args.arch != 'mlp':
            parser.error('--{} sizes the MLP networks; it does not apply to '
                         '--arch {}'.format(name.replace('_', '-'), args.arch))


def build_vae(arch, dim_z, dim_h=None, n_layers=None, activation=None,
              conv_padding='same'):
    """The VAE of ``train_vae.py``: with ``'mlp'`` Chainer's example's
    shape (:meth:`~vae_avb.links.VAE.mlp`), with ``'conv'`` the seeds'
    conv VAE (:meth:`~vae_avb.methods.ConvNetworks.seed_vae`, aligned as
    ``conv_padding`` says)."""
    if arch == 'mlp':
        return VAE.mlp(784, dim_z, dim_h, n_layers, activation)
    networks = conv_networks(ConvNetworks.seed_vae(), conv_padding)
    return VAE(networks.gaussian_encoder(dim_z), networks.decoder(dim_z))


def conv_vae_config(dim_z, conv_padding='same'):
    """The :class:`~vae_avb.methods.MethodConfig` of the seeds' conv VAE,
    for its memory estimate."""
    return MethodConfig(method='vae', dim_z=dim_z, networks=conv_networks(
        ConvNetworks.seed_vae(), conv_padding))
